/* SPDX-License-Identifier: MIT */
/*
 * The audio ends (struct snd_end_ops, see snd_end.h) and how a stream's end
 * name picks one:
 *
 *   "null"       end_null.c  real-time paced with CLOCK_MONOTONIC: output
 *                consumes exactly rate frames per second and discards them,
 *                input produces silence at that pace
 *   "wav:PATH"   end_wav.c   output writes exactly the bytes received into a
 *                WAV file (header fixed up on close), input reads PATH's
 *                samples in a loop; both paced like "null"
 *   anything     end_alsa.c  that ALSA PCM ("hw:Loopback,0,0", "plughw:1",
 *   else                     a dmix/softvol PCM of an asound.conf). There is
 *                no fallback: a PCM that cannot be opened with the stream's
 *                parameters fails PREPARE (VIRTIO_SND_S_IO_ERR), it never
 *                becomes "default".
 *
 * Host buffers are sized from the guest's period: period = the guest's
 * period, buffer = the guest's periods minus one, at most
 * params.host_periods (--host-periods, default SND_END_HOST_PERIODS) and
 * at least 2 (snd_end_host_buffer).
 */
#ifndef SND_ENDS_H
#define SND_ENDS_H

#include <stddef.h>
#include <stdint.h>

#include "snd_end.h"
#include "snd_format.h"

extern const struct snd_end_ops snd_end_null_ops;
extern const struct snd_end_ops snd_end_wav_ops;
extern const struct snd_end_ops snd_end_alsa_ops;

/* The ops for an end name (never NULL; an empty name gets the ALSA ops,
 * whose open then fails). The ops take a NULL ctx. */
const struct snd_end_ops *snd_end_for_name(const char *name);

/* Host period and buffer in frames for the guest's parameters. */
void snd_end_host_buffer(const struct snd_end_params *p, uint32_t *period_frames,
			 uint32_t *buffer_frames);

/*
 * Xrun accounting of an end that logs once per burst (end_alsa.c): a burst
 * is a run of xruns each less than SND_XRUN_BURST_NS after the one before.
 * Zero-initialise; call snd_xrun_note for every xrun.
 */
#define SND_XRUN_BURST_NS 1000000000ull
struct snd_xrun_log {
	uint64_t total;		/* xruns so far */
	uint64_t burst;		/* xruns in the current burst */
	uint64_t last_ns;	/* when the last one happened */
};
/*
 * Count an xrun that happened at now_ns (monotonic). Returns 1 when it
 * opens a burst, i.e. when a line is due, else 0; *prev_burst then gets the
 * previous burst's count (0 before the first burst).
 */
int snd_xrun_note(struct snd_xrun_log *l, uint64_t now_ns, uint64_t *prev_burst);

/* Result of snd_end_alsa_probe; caps.rates points into rates[]. */
struct snd_end_probe {
	struct snd_probed_caps caps;
	unsigned int rates[32];
	int card;	/* the ALSA card behind the PCM, -1 if none (host jacks) */
};

/*
 * Open the ALSA PCM `name' for `direction' (VIRTIO_SND_D_OUTPUT/_INPUT)
 * without starting it and report what it accepts, limited to what
 * virtio_snd maps: the formats snd_format_from_alsa knows, the virtio rates
 * it accepts exactly, its channel range. Feed res->caps to
 * snd_caps_from_probe. Returns 0, or a negative errno with a reason in err
 * (busy, no such PCM, nothing mappable).
 */
int snd_end_alsa_probe(const char *name, uint8_t direction, struct snd_end_probe *res, char *err,
		       size_t errlen);

#endif /* SND_ENDS_H */
