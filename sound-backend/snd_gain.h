/* SPDX-License-Identifier: MIT */
/*
 * Software gain of a stream's audio: the guest's "PCM Playback Volume" /
 * "Capture Volume" and Switch controls applied to the PCM bytes, for every
 * format the device advertises (snd_format_mappable_mask).
 *
 *  - gain 1.0 (0 dB, switch on): the bytes are left alone, no arithmetic,
 *    so the bit-exact paths stay bit-exact;
 *  - gain 0.0 (switch off, or volume at a mute minimum): exact digital
 *    silence: 0x80 for U8, the mid value for the other unsigned formats,
 *    0xff for MU_LAW, 0xd5 for A_LAW, 0x69 for DSD, zero otherwise
 *    (IEC958 subframes: the audio bits only, parity fixed);
 *  - anything else: each sample scaled, rounded to nearest and saturated
 *    to the format's range (never wrapped). The bitstream formats (DSD,
 *    IEC958 subframes, which may carry compressed data) cannot be scaled:
 *    they pass unchanged until muted.
 *
 * S20/S24 (U20/U24) in 32-bit containers use the low 20/24 bits; the sample
 * is read sign-extended from them and written back sign-extended (zero-
 * extended for the unsigned ones), whatever the guest left in the top bits.
 *
 * Changes are ramped: struct snd_gain_ramp moves linearly from the old gain
 * to the new one over `len' frames (one period), so a change takes effect
 * within a period and without a click.
 */
#ifndef SND_GAIN_H
#define SND_GAIN_H

#include <stdbool.h>
#include <stdint.h>

/* Linear factor of a gain in dB * 100; 0 when muted; exactly 1 at 0 dB. */
float snd_gain_factor(int32_t cdb, bool muted);

/* True if the virtio format can be scaled (not only muted). */
bool snd_gain_scalable(unsigned int vformat);

/* Exact silence: frames * channels samples of vformat. */
void snd_gain_silence(unsigned int vformat, void *buf, uint32_t frames, uint32_t channels);

/*
 * Scale in place: frame i gets g0 + (g1 - g0) * i / frames (g1 reached after
 * the last frame). g0 == g1 == 1 changes nothing, g0 == g1 == 0 is
 * snd_gain_silence. Unknown formats are left alone.
 */
void snd_gain_apply(unsigned int vformat, void *buf, uint32_t frames, uint32_t channels,
		    float g0, float g1);

/* A stream's gain as the audio thread applies it. */
struct snd_gain_ramp {
	float cur;		/* gain at the start of the ramp (or steady) */
	float target;
	uint32_t pos, len;	/* frames into the ramp; pos >= len: steady */
};

/* Steady at g; later changes ramp over len frames (>= 1). */
void snd_gain_ramp_init(struct snd_gain_ramp *r, float g, uint32_t len);
/*
 * Apply the gain to `frames' frames in buf, after moving the target to
 * `target' (a new target starts a new ramp from wherever the gain is). Does
 * not advance: call snd_gain_ramp_advance with the frames that were used
 * (an end may take fewer; the rest is processed again from the guest's
 * bytes next time).
 */
void snd_gain_ramp_process(struct snd_gain_ramp *r, float target, unsigned int vformat,
			   uint32_t channels, void *buf, uint32_t frames);
void snd_gain_ramp_advance(struct snd_gain_ramp *r, uint32_t frames);

#endif /* SND_GAIN_H */
