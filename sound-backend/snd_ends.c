// SPDX-License-Identifier: MIT
/* Picking an end by name, the host buffer size, xrun bursts; see snd_ends.h. */
#include "snd_ends.h"

#include <string.h>

const struct snd_end_ops *snd_end_for_name(const char *name)
{
	if (name && strcmp(name, "null") == 0)
		return &snd_end_null_ops;
	if (name && strncmp(name, "wav:", 4) == 0)
		return &snd_end_wav_ops;
	return &snd_end_alsa_ops;
}

void snd_end_host_buffer(const struct snd_end_params *p, uint32_t *period_frames,
			 uint32_t *buffer_frames)
{
	uint32_t fb = p->frame_bytes ? p->frame_bytes : 1;
	uint32_t period = p->period_bytes / fb;
	uint32_t guest = p->period_bytes ? p->buffer_bytes / p->period_bytes : 0;
	uint32_t most = p->host_periods ? p->host_periods : SND_END_HOST_PERIODS;
	/*
	 * Never the guest's whole buffer: virtio_snd (Linux 6.12) reads its
	 * position as completed bytes modulo the buffer, so when every period
	 * it queued completes before its pointer callback runs again (all of
	 * them left the end in one round after a stall) it sees no progress
	 * and never queues another period (docs/appliance.md). With at least
	 * one period not yet written to the end, one round cannot complete
	 * them all.
	 */
	uint32_t periods = guest ? guest - 1 : 0;

	if (!period)
		period = 1;
	if (periods > most)
		periods = most;
	if (periods < 2)
		periods = 2;
	*period_frames = period;
	*buffer_frames = period * periods;
}

int snd_xrun_note(struct snd_xrun_log *l, uint64_t now_ns, uint64_t *prev_burst)
{
	int opens = !l->total || now_ns - l->last_ns > SND_XRUN_BURST_NS;

	*prev_burst = opens ? l->burst : 0;
	if (opens)
		l->burst = 0;
	l->total++;
	l->burst++;
	l->last_ns = now_ns;
	return opens;
}
