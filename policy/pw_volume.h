/* SPDX-License-Identifier: MIT */
/*
 * A node's per-channel volumes as PipeWire's SPA_PARAM_Props carries them
 * (SPA_PROP_channelVolumes, linear gains): parsed from a Props param and
 * built into one.
 */
#ifndef PW_VOLUME_H
#define PW_VOLUME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <spa/pod/builder.h>
#include <spa/pod/pod.h>

#define PW_VOLUME_MAX_CHANNELS 64

struct pw_volume {
	uint32_t n;				/* 0: unknown */
	float v[PW_VOLUME_MAX_CHANNELS];
};

/* Reads channelVolumes from a Props object; false if it has none. */
bool pw_volume_from_props(const struct spa_pod *param, struct pw_volume *vol);

/* A Props object setting channelVolumes to `vol'; NULL if `buf' is too small. */
struct spa_pod *pw_volume_to_props(const struct pw_volume *vol, void *buf, size_t size);

/* `vol' times a linear gain. */
void pw_volume_scale(const struct pw_volume *vol, double gain, struct pw_volume *out);

/* Same channel count and every channel within 1e-3 (a float round trip). */
bool pw_volume_equal(const struct pw_volume *a, const struct pw_volume *b);

/* dB to linear amplitude gain, 10^(dB/20). */
double pw_volume_db_to_gain(double db);

#endif /* PW_VOLUME_H */
