// SPDX-License-Identifier: MIT
/*
 * wavgen: write a test WAV file: white noise (every sample different, so a
 * capture can be aligned to it without doubt) or a sine tone.
 */
#include "wav.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: wavgen [OPTIONS] OUT.wav\n"
		"Write a test signal as a WAV file.\n\n"
		"  -r, --rate HZ         sample rate (default 48000)\n"
		"  -c, --channels N      channels, 1..32 (default 2)\n"
		"  -f, --format NAME     U8, S16_LE, S24_3LE, S24_LE, S32_LE or FLOAT_LE\n"
		"                        (default S16_LE)\n"
		"  -d, --seconds S       duration in seconds, may be fractional (default 1)\n"
		"  -n, --frames N        duration in frames (instead of --seconds)\n"
		"  -s, --signal SIG      noise (default) or sine:FREQ\n"
		"  -a, --amplitude A     peak amplitude 0..1 (default 0.5)\n"
		"      --seed N          noise seed (default 1); files with different seeds differ\n"
		"      --silence-after S append S seconds of digital silence after the signal\n"
		"  -h, --help            this text\n");
}

/* xorshift32: deterministic, seedable, no two neighbouring outputs equal. */
static uint32_t next_random(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

static void put_sample(uint8_t *p, enum wav_format f, double v)
{
	int32_t i;
	float fl;

	if (v > 1.0)
		v = 1.0;
	if (v < -1.0)
		v = -1.0;
	switch (f) {
	case WAV_U8:
		p[0] = (uint8_t)lrint(128.0 + v * 127.0);
		break;
	case WAV_S16_LE:
		i = (int32_t)lrint(v * 32767.0);
		p[0] = (uint8_t)i;
		p[1] = (uint8_t)(i >> 8);
		break;
	case WAV_S24_3LE:
		i = (int32_t)lrint(v * 8388607.0);
		p[0] = (uint8_t)i;
		p[1] = (uint8_t)(i >> 8);
		p[2] = (uint8_t)(i >> 16);
		break;
	case WAV_S24_LE:
		/* 24 bits, sign-extended through the container's top byte */
		i = (int32_t)lrint(v * 8388607.0);
		memcpy(p, &i, 4);
		break;
	case WAV_S32_LE:
		i = (int32_t)lrint(v * 2147483647.0);
		memcpy(p, &i, 4);
		break;
	case WAV_FLOAT_LE:
		fl = (float)v;
		memcpy(p, &fl, 4);
		break;
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rate", required_argument, NULL, 'r' },
		{ "channels", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "seconds", required_argument, NULL, 'd' },
		{ "frames", required_argument, NULL, 'n' },
		{ "signal", required_argument, NULL, 's' },
		{ "amplitude", required_argument, NULL, 'a' },
		{ "seed", required_argument, NULL, 'S' },
		{ "silence-after", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct wav w = { .format = WAV_S16_LE, .rate = 48000, .channels = 2 };
	double seconds = 1.0, amp = 0.5, freq = 0.0, pad_seconds = 0.0;
	long frames = -1;
	uint32_t seed = 1;
	char err[256];
	int c;

	while ((c = getopt_long(argc, argv, "r:c:f:d:n:s:a:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			w.rate = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'c':
			w.channels = (uint16_t)strtoul(optarg, NULL, 10);
			break;
		case 'f':
			if (wav_format_from_name(optarg, &w.format) != 0) {
				fprintf(stderr, "wavgen: unknown format '%s'\n", optarg);
				return 2;
			}
			break;
		case 'd':
			seconds = strtod(optarg, NULL);
			break;
		case 'n':
			frames = strtol(optarg, NULL, 10);
			break;
		case 's':
			if (strcmp(optarg, "noise") == 0) {
				freq = 0.0;
			} else if (strncmp(optarg, "sine:", 5) == 0 && (freq = strtod(optarg + 5, NULL)) > 0) {
				;
			} else {
				fprintf(stderr, "wavgen: signal must be noise or sine:FREQ, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'a':
			amp = strtod(optarg, NULL);
			break;
		case 'S':
			seed = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'P':
			pad_seconds = strtod(optarg, NULL);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	if (w.rate < 1000 || w.rate > 768000 || w.channels < 1 || w.channels > 32 || amp < 0 ||
	    amp > 1 || seconds <= 0 || seconds > 3600 || pad_seconds < 0 || pad_seconds > 60) {
		fprintf(stderr, "wavgen: rate, channels, amplitude or duration out of range\n");
		return 2;
	}
	w.frames = frames > 0 ? (size_t)frames : (size_t)llround(seconds * w.rate);
	if (seed == 0)
		seed = 1; /* xorshift never leaves 0 */

	size_t sb = wav_sample_bytes(w.format);
	size_t signal_frames = w.frames;

	w.frames += (size_t)llround(pad_seconds * w.rate);
	/* calloc: the padding is zero, which is silence except for U8 (set below) */
	w.data = calloc(w.frames, wav_frame_bytes(&w));
	if (!w.data) {
		fprintf(stderr, "wavgen: out of memory\n");
		return 1;
	}
	if (w.format == WAV_U8)
		memset(w.data, 0x80, w.frames * wav_frame_bytes(&w));
	for (size_t i = 0; i < signal_frames; i++) {
		for (unsigned int ch = 0; ch < w.channels; ch++) {
			double v;

			if (freq > 0)
				v = amp * sin(2.0 * M_PI * freq * (double)i / w.rate + ch * M_PI / 4);
			else
				v = amp * ((double)next_random(&seed) / 2147483648.0 - 1.0);
			put_sample(w.data + (i * w.channels + ch) * sb, w.format, v);
		}
	}
	if (wav_write_file(argv[optind], &w, err, sizeof(err)) != 0) {
		fprintf(stderr, "wavgen: %s\n", err);
		wav_free(&w);
		return 1;
	}
	wav_free(&w);
	return 0;
}
