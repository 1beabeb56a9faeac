// SPDX-License-Identifier: MIT
/* Host jack control name -> virtio-sound jack; see snd_jackmap.h. */
#include "snd_jackmap.h"

#include <string.h>
#include <strings.h>

#include "snd_proto.h"

/* HDA default configuration fields (HDA spec 7.3.3.31). */
#define CONN_JACK 0x0		/* port connectivity: external jack */
#define LOC_REAR 0x01		/* external, rear */
#define LOC_HDMI 0x18		/* "special": HDMI */
#define TYPE_MINIJACK 0x1	/* 1/8" stereo/mono */
#define TYPE_DIGITAL 0x6	/* other digital */
#define COLOR_UNKNOWN 0x0
/* Pin capabilities (HDA spec 7.3.4.9). */
#define PINCAP_PRES_DETECT (1u << 2)
#define PINCAP_HP_DRV (1u << 3)
#define PINCAP_OUT (1u << 4)
#define PINCAP_IN (1u << 5)

enum {
	DEV_LINE_OUT = 0x0, DEV_SPEAKER = 0x1, DEV_HP_OUT = 0x2, DEV_CD = 0x3,
	DEV_SPDIF_OUT = 0x4, DEV_LINE_IN = 0x8, DEV_AUX = 0x9, DEV_MIC_IN = 0xa,
	DEV_SPDIF_IN = 0xc, DEV_OTHER = 0xf,
};

struct kind {
	const char *word;	/* prefix of the name, case-insensitive */
	uint32_t device;
	bool input;
	bool hdmi;
};

/* First match wins: longer, more specific prefixes first. */
static const struct kind kinds[] = {
	{ "Headphone", DEV_HP_OUT, false, false },
	{ "Headset Mic", DEV_MIC_IN, true, false },
	{ "Headset", DEV_HP_OUT, false, false },
	{ "Line Out", DEV_LINE_OUT, false, false },
	{ "Line In", DEV_LINE_IN, true, false },
	{ "Line", DEV_LINE_IN, true, false },
	{ "Speaker", DEV_SPEAKER, false, false },
	{ "Mic", DEV_MIC_IN, true, false },
	{ "Front Mic", DEV_MIC_IN, true, false },
	{ "Rear Mic", DEV_MIC_IN, true, false },
	{ "Internal Mic", DEV_MIC_IN, true, false },
	{ "HDMI", DEV_SPDIF_OUT, false, true },
	{ "DP", DEV_SPDIF_OUT, false, true },
	{ "SPDIF In", DEV_SPDIF_IN, true, false },
	{ "SPDIF", DEV_SPDIF_OUT, false, false },
	{ "Aux", DEV_AUX, true, false },
	{ "CD", DEV_CD, true, false },
};

#define SUFFIX " Jack"

bool snd_jackmap_is_jack_name(const char *name)
{
	size_t n = name ? strlen(name) : 0, s = strlen(SUFFIX);

	return n > s && !strcmp(name + n - s, SUFFIX);
}

static const struct kind *kind_of(const char *name)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strncasecmp(name, kinds[i].word, strlen(kinds[i].word)))
			return &kinds[i];
	return NULL;
}

uint8_t snd_jackmap_direction(const char *name)
{
	const struct kind *k = name ? kind_of(name) : NULL;

	return k && k->input ? VIRTIO_SND_D_INPUT : VIRTIO_SND_D_OUTPUT;
}

int snd_jackmap_desc(const char *name, uint32_t nid, bool connected, struct snd_jack_desc *out)
{
	const struct kind *k;

	if (!snd_jackmap_is_jack_name(name))
		return -1;
	k = kind_of(name);
	memset(out, 0, sizeof(*out));
	out->hda_fn_nid = nid;
	out->defconf = snd_jack_defconf(CONN_JACK, k && k->hdmi ? LOC_HDMI : LOC_REAR,
					k ? k->device : DEV_OTHER,
					k && k->hdmi ? TYPE_DIGITAL : TYPE_MINIJACK, COLOR_UNKNOWN,
					1, 0);
	out->caps = PINCAP_PRES_DETECT |
		    (k && k->input ? PINCAP_IN : PINCAP_OUT) |
		    (k && k->device == DEV_HP_OUT ? PINCAP_HP_DRV : 0);
	out->connected = connected;
	return 0;
}
