/* SPDX-License-Identifier: MIT */
/*
 * Control elements (VIRTIO_SND_F_CTLS) as the guest sees them in ALSA's
 * mixer: per stream a volume (INTEGER with a dB-scale TLV) and a switch
 * (BOOLEAN, role MUTE, ALSA's convention: 1 = sound on, 0 = muted).
 *
 * Names follow ALSA's so alsa-lib's simple mixer and PipeWire find them:
 * output streams "PCM Playback Volume" / "PCM Playback Switch", input streams
 * "Capture Volume" / "Capture Switch"; `index' numbers the streams of one
 * direction (0, 1, ...) so that (name, index) is unique on the card, which
 * snd_ctl_add() requires (a duplicate would fail the driver's probe).
 *
 * The TLV is ALSA's layout (host order on the guest; little-endian here, as
 * on x86_64 and arm64): type SNDRV_CTL_TLVT_DB_SCALE (1), length 8, minimum in
 * 0.01 dB, step in 0.01 dB | 0x10000 when the minimum means mute.
 */
#ifndef SND_CONTROLS_H
#define SND_CONTROLS_H

#include <stdbool.h>
#include <stdint.h>

#include "snd_proto.h"

#define SND_CONTROL_NAME_MAX 44		/* virtio_snd_ctl_info.name, with NUL */
#define SND_CONTROL_COUNT_MAX 1		/* members per value (mono controls) */
#define SND_TLV_DB_SCALE 1		/* SNDRV_CTL_TLVT_DB_SCALE */
#define SND_TLV_DB_SCALE_MUTE 0x10000u	/* SNDRV_CTL_TLVD_DB_SCALE_MUTE */

/* A volume's range: `steps' + 1 values from min_cdb, step_cdb apart. */
struct snd_volume_scale {
	int32_t min_cdb;	/* dB * 100 at value 0, e.g. -6000 */
	uint32_t step_cdb;	/* dB * 100 per step, 1..0xffff */
	uint32_t steps;		/* 1..0x7fffffff; max value */
	bool min_is_mute;	/* value 0 silences */
};

/* -60 dB .. 0 dB in 0.5 dB steps, 0 = mute. */
#define SND_VOLUME_SCALE_DEFAULT \
	((struct snd_volume_scale){ .min_cdb = -6000, .step_cdb = 50, .steps = 120, \
				    .min_is_mute = true })

struct snd_control {
	uint32_t stream_id;
	uint32_t hda_fn_nid;
	uint32_t role, type, access, count, index;
	char name[SND_CONTROL_NAME_MAX];
	int32_t min, max, step;
	int32_t value[SND_CONTROL_COUNT_MAX];
	uint8_t tlv[16];	/* little-endian words; tlv_bytes long */
	uint32_t tlv_bytes;
	struct snd_volume_scale scale;	/* volumes only */
};

/* Returns 0, or -EINVAL for an unusable scale. Starts at 0 dB (or max). */
int snd_control_init_volume(struct snd_control *c, uint32_t stream_id, uint32_t hda_fn_nid,
			    uint8_t direction, uint32_t index,
			    const struct snd_volume_scale *scale);
/* Starts on (1, not muted). */
void snd_control_init_switch(struct snd_control *c, uint32_t stream_id, uint32_t hda_fn_nid,
			     uint8_t direction, uint32_t index);

void snd_control_info(const struct snd_control *c, struct virtio_snd_ctl_info *info);
/* The whole 512-byte value, unused members zero. */
void snd_control_read(const struct snd_control *c, struct virtio_snd_ctl_value *v);
/* From the driver: 1 if the value changed, 0 if not, -EINVAL if out of range. */
int snd_control_write(struct snd_control *c, const struct virtio_snd_ctl_value *v);
/* From the device side: same returns; n must equal count. */
int snd_control_set(struct snd_control *c, const int32_t *values, uint32_t n);

bool snd_control_readable(const struct snd_control *c);
bool snd_control_writable(const struct snd_control *c);
bool snd_control_tlv_readable(const struct snd_control *c);

/* A volume's current gain in dB * 100; *muted set when at a mute minimum. */
int32_t snd_control_volume_cdb(const struct snd_control *c, bool *muted);

#endif /* SND_CONTROLS_H */
