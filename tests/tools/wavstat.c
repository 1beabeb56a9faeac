// SPDX-License-Identifier: MIT
/*
 * wavstat: describe a WAV file's content: format, length, where the sound is
 * (the span between the first and the last non-silent frame), and over that
 * span the level per channel and the frequency of channel 0 (from zero
 * crossings). With --window, the level of channel 0 over time instead.
 */
#include "wav.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double db(double v)
{
	return v > 1e-10 ? 20.0 * log10(v) : -200.0;
}

static void print_windows(const struct wav *w, double ms)
{
	size_t win = (size_t)(w->rate * ms / 1000.0);

	if (win == 0)
		win = 1;
	printf("# time_s rms_dbfs (channel 0, %.0f ms windows)\n", ms);
	for (size_t start = 0; start + win <= w->frames; start += win) {
		double sum = 0;

		for (size_t i = start; i < start + win; i++) {
			double v = wav_sample(w, i, 0);

			sum += v * v;
		}
		printf("%.3f %.1f\n", (double)start / w->rate, db(sqrt(sum / win)));
	}
}

int main(int argc, char **argv)
{
	struct wav w;
	char err[256];
	double window_ms = 0;
	const char *path;

	if (argc == 4 && strcmp(argv[1], "--window") == 0) {
		window_ms = strtod(argv[2], NULL);
		path = argv[3];
	} else if (argc == 2 && argv[1][0] != '-') {
		path = argv[1];
	} else {
		int help = argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0);

		fprintf(help ? stdout : stderr,
			"Usage: wavstat [--window MS] FILE.wav\n"
			"Print format, length, the span of non-silent frames, and over that span\n"
			"the RMS and peak level per channel (dBFS) and the frequency of channel 0.\n"
			"With --window, print the level of channel 0\n"
			"for each MS-millisecond window instead.\n");
		return help ? 0 : 2;
	}
	if (wav_read_file(path, &w, err, sizeof(err)) != 0) {
		fprintf(stderr, "wavstat: %s: %s\n", path, err);
		return 2;
	}
	if (window_ms > 0) {
		print_windows(&w, window_ms);
		wav_free(&w);
		return 0;
	}
	/* The sound's span: a capture has silence before and after it. */
	size_t first = w.frames, last = 0;

	for (size_t i = 0; i < w.frames; i++) {
		for (unsigned int ch = 0; ch < w.channels; ch++) {
			if (fabs(wav_sample(&w, i, ch)) > 1e-4) {
				if (first == w.frames)
					first = i;
				last = i;
			}
		}
	}
	size_t span = first < w.frames ? last - first + 1 : 0;

	printf("format %s rate %u channels %u frames %zu seconds %.3f\n", wav_format_name(w.format),
	       w.rate, w.channels, w.frames, (double)w.frames / w.rate);
	printf("sound_start_s %.3f sound_seconds %.3f\n", span ? (double)first / w.rate : 0.0,
	       (double)span / w.rate);
	for (unsigned int ch = 0; ch < w.channels; ch++) {
		double sum = 0, peak = 0;

		for (size_t i = first; i < first + span; i++) {
			double v = wav_sample(&w, i, ch);

			sum += v * v;
			if (fabs(v) > peak)
				peak = fabs(v);
		}
		printf("channel %u rms_dbfs %.1f peak_dbfs %.1f\n", ch,
		       db(span ? sqrt(sum / span) : 0), db(peak));
	}
	if (span > 1) {
		size_t crossings = 0;

		for (size_t i = first + 1; i < first + span; i++)
			if ((wav_sample(&w, i - 1, 0) < 0) != (wav_sample(&w, i, 0) < 0))
				crossings++;
		printf("frequency_hz %.1f\n", crossings * w.rate / (2.0 * (double)span));
	}
	wav_free(&w);
	return 0;
}
