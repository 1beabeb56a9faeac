// SPDX-License-Identifier: MIT
/* virtio-sound formats and rates <-> ALSA; see snd_format.h. */
#include "snd_format.h"

#include <errno.h>

_Static_assert(SND_PCM_FORMAT_LAST < 64, "ALSA formats fit a 64-bit mask");

struct format_entry {
	snd_pcm_format_t alsa;
	uint8_t bytes;		/* physical width / 8 */
	const char *name;
};

/* Indexed by VIRTIO_SND_PCM_FMT_x; .bytes 0 = not offered. */
static const struct format_entry formats[] = {
	[VIRTIO_SND_PCM_FMT_IMA_ADPCM] = { SND_PCM_FORMAT_IMA_ADPCM, 0, "IMA_ADPCM" },
	[VIRTIO_SND_PCM_FMT_MU_LAW] = { SND_PCM_FORMAT_MU_LAW, 1, "MU_LAW" },
	[VIRTIO_SND_PCM_FMT_A_LAW] = { SND_PCM_FORMAT_A_LAW, 1, "A_LAW" },
	[VIRTIO_SND_PCM_FMT_S8] = { SND_PCM_FORMAT_S8, 1, "S8" },
	[VIRTIO_SND_PCM_FMT_U8] = { SND_PCM_FORMAT_U8, 1, "U8" },
	[VIRTIO_SND_PCM_FMT_S16] = { SND_PCM_FORMAT_S16_LE, 2, "S16_LE" },
	[VIRTIO_SND_PCM_FMT_U16] = { SND_PCM_FORMAT_U16_LE, 2, "U16_LE" },
	[VIRTIO_SND_PCM_FMT_S18_3] = { SND_PCM_FORMAT_S18_3LE, 3, "S18_3LE" },
	[VIRTIO_SND_PCM_FMT_U18_3] = { SND_PCM_FORMAT_U18_3LE, 3, "U18_3LE" },
	[VIRTIO_SND_PCM_FMT_S20_3] = { SND_PCM_FORMAT_S20_3LE, 3, "S20_3LE" },
	[VIRTIO_SND_PCM_FMT_U20_3] = { SND_PCM_FORMAT_U20_3LE, 3, "U20_3LE" },
	[VIRTIO_SND_PCM_FMT_S24_3] = { SND_PCM_FORMAT_S24_3LE, 3, "S24_3LE" },
	[VIRTIO_SND_PCM_FMT_U24_3] = { SND_PCM_FORMAT_U24_3LE, 3, "U24_3LE" },
	[VIRTIO_SND_PCM_FMT_S20] = { SND_PCM_FORMAT_S20_LE, 4, "S20_LE" },
	[VIRTIO_SND_PCM_FMT_U20] = { SND_PCM_FORMAT_U20_LE, 4, "U20_LE" },
	[VIRTIO_SND_PCM_FMT_S24] = { SND_PCM_FORMAT_S24_LE, 4, "S24_LE" },
	[VIRTIO_SND_PCM_FMT_U24] = { SND_PCM_FORMAT_U24_LE, 4, "U24_LE" },
	[VIRTIO_SND_PCM_FMT_S32] = { SND_PCM_FORMAT_S32_LE, 4, "S32_LE" },
	[VIRTIO_SND_PCM_FMT_U32] = { SND_PCM_FORMAT_U32_LE, 4, "U32_LE" },
	[VIRTIO_SND_PCM_FMT_FLOAT] = { SND_PCM_FORMAT_FLOAT_LE, 4, "FLOAT_LE" },
	[VIRTIO_SND_PCM_FMT_FLOAT64] = { SND_PCM_FORMAT_FLOAT64_LE, 8, "FLOAT64_LE" },
	[VIRTIO_SND_PCM_FMT_DSD_U8] = { SND_PCM_FORMAT_DSD_U8, 1, "DSD_U8" },
	[VIRTIO_SND_PCM_FMT_DSD_U16] = { SND_PCM_FORMAT_DSD_U16_LE, 2, "DSD_U16_LE" },
	[VIRTIO_SND_PCM_FMT_DSD_U32] = { SND_PCM_FORMAT_DSD_U32_LE, 4, "DSD_U32_LE" },
	[VIRTIO_SND_PCM_FMT_IEC958_SUBFRAME] = { SND_PCM_FORMAT_IEC958_SUBFRAME_LE, 4,
						 "IEC958_SUBFRAME_LE" },
};

#define N_FORMATS (sizeof(formats) / sizeof(formats[0]))

/* Indexed by VIRTIO_SND_PCM_RATE_x. */
static const unsigned int rates_hz[] = {
	[VIRTIO_SND_PCM_RATE_5512] = 5512,
	[VIRTIO_SND_PCM_RATE_8000] = 8000,
	[VIRTIO_SND_PCM_RATE_11025] = 11025,
	[VIRTIO_SND_PCM_RATE_16000] = 16000,
	[VIRTIO_SND_PCM_RATE_22050] = 22050,
	[VIRTIO_SND_PCM_RATE_32000] = 32000,
	[VIRTIO_SND_PCM_RATE_44100] = 44100,
	[VIRTIO_SND_PCM_RATE_48000] = 48000,
	[VIRTIO_SND_PCM_RATE_64000] = 64000,
	[VIRTIO_SND_PCM_RATE_88200] = 88200,
	[VIRTIO_SND_PCM_RATE_96000] = 96000,
	[VIRTIO_SND_PCM_RATE_176400] = 176400,
	[VIRTIO_SND_PCM_RATE_192000] = 192000,
	[VIRTIO_SND_PCM_RATE_384000] = 384000,
};

#define N_RATES (sizeof(rates_hz) / sizeof(rates_hz[0]))

uint64_t snd_format_mappable_mask(void)
{
	uint64_t m = 0;

	for (unsigned int i = 0; i < N_FORMATS; i++)
		if (formats[i].bytes)
			m |= UINT64_C(1) << i;
	return m;
}

uint64_t snd_rate_mappable_mask(void)
{
	return (UINT64_C(1) << N_RATES) - 1;
}

snd_pcm_format_t snd_format_to_alsa(unsigned int vformat)
{
	if (vformat >= N_FORMATS || !formats[vformat].bytes)
		return SND_PCM_FORMAT_UNKNOWN;
	return formats[vformat].alsa;
}

int snd_format_from_alsa(snd_pcm_format_t format)
{
	for (unsigned int i = 0; i < N_FORMATS; i++)
		if (formats[i].bytes && formats[i].alsa == format)
			return (int)i;
	return -1;
}

unsigned int snd_format_sample_bytes(unsigned int vformat)
{
	return vformat < N_FORMATS ? formats[vformat].bytes : 0;
}

uint32_t snd_format_frame_bytes(unsigned int vformat, unsigned int channels)
{
	if (channels > 255)
		return 0;
	return snd_format_sample_bytes(vformat) * channels;
}

const char *snd_format_name(unsigned int vformat)
{
	if (vformat >= N_FORMATS || !formats[vformat].bytes)
		return "?";
	return formats[vformat].name;
}

unsigned int snd_rate_to_hz(unsigned int vrate)
{
	return vrate < N_RATES ? rates_hz[vrate] : 0;
}

int snd_rate_from_hz(unsigned int hz)
{
	for (unsigned int i = 0; i < N_RATES; i++)
		if (rates_hz[i] == hz)
			return (int)i;
	return -1;
}

static int rate_in_probe(const struct snd_probed_caps *p, unsigned int hz)
{
	if (!p->n_rates)
		return p->rate_min <= hz && hz <= p->rate_max;
	if (!p->rates)
		return 0;
	for (size_t i = 0; i < p->n_rates; i++)
		if (p->rates[i] == hz)
			return 1;
	return 0;
}

int snd_caps_from_probe(const struct snd_probed_caps *probe, struct snd_pcm_caps *out)
{
	struct snd_pcm_caps c = { 0 };
	unsigned int ch_min, ch_max;

	if (!probe || !out)
		return -EINVAL;

	for (unsigned int i = 0; i < N_FORMATS; i++) {
		int a = formats[i].alsa;

		if (formats[i].bytes && a >= 0 && a < 64 && (probe->alsa_formats >> a) & 1)
			c.formats |= UINT64_C(1) << i;
	}
	for (unsigned int i = 0; i < N_RATES; i++)
		if (rate_in_probe(probe, rates_hz[i]))
			c.rates |= UINT64_C(1) << i;

	ch_min = probe->channels_min ? probe->channels_min : 1;
	ch_max = probe->channels_max < SND_FORMAT_CHANNELS_MAX ? probe->channels_max
							       : SND_FORMAT_CHANNELS_MAX;
	if (!c.formats || !c.rates || ch_min > ch_max)
		return -EINVAL;
	c.channels_min = (uint8_t)ch_min;
	c.channels_max = (uint8_t)ch_max;
	*out = c;
	return 0;
}

void snd_caps_to_pcm_info(const struct snd_pcm_caps *caps, uint32_t hda_fn_nid,
			  uint8_t direction, uint32_t features,
			  struct virtio_snd_pcm_info *info)
{
	memset(info, 0, sizeof(*info));
	snd_put_le32(&info->hdr.hda_fn_nid, hda_fn_nid);
	snd_put_le32(&info->features, features);
	snd_put_le64(&info->formats, caps->formats);
	snd_put_le64(&info->rates, caps->rates);
	info->direction = direction;
	info->channels_min = caps->channels_min;
	info->channels_max = caps->channels_max;
}
