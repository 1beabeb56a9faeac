// SPDX-License-Identifier: MIT
/*
 * snd-jack-ctl: add a user-defined jack control to an ALSA card, as a
 * driver with jack detection would have it (iface CARD, BOOLEAN, one
 * member, name ending in " Jack"), or set its value. For the snd-jack e2e
 * test: snd-aloop has no jacks of its own.
 *
 *   snd-jack-ctl add CARD NAME VALUE    add (0 or 1; an existing one is kept)
 *   snd-jack-ctl set CARD NAME VALUE    set it
 *
 * CARD is an ALSA control name ("hw:Loopback"). Exit 0, or 1 with a line
 * on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <alsa/asoundlib.h>

int main(int argc, char **argv)
{
	snd_ctl_elem_id_t *id;
	snd_ctl_elem_value_t *v;
	snd_ctl_t *ctl;
	int rc, value;

	if (argc != 5 || (strcmp(argv[1], "add") && strcmp(argv[1], "set")) ||
	    (strcmp(argv[4], "0") && strcmp(argv[4], "1"))) {
		fprintf(stderr, "usage: snd-jack-ctl add|set CARD NAME 0|1\n");
		return 1;
	}
	value = argv[4][0] == '1';
	rc = snd_ctl_open(&ctl, argv[2], 0);
	if (rc < 0) {
		fprintf(stderr, "snd-jack-ctl: %s: %s\n", argv[2], snd_strerror(rc));
		return 1;
	}
	snd_ctl_elem_id_alloca(&id);
	snd_ctl_elem_id_set_interface(id, SND_CTL_ELEM_IFACE_CARD);
	snd_ctl_elem_id_set_name(id, argv[3]);
	if (!strcmp(argv[1], "add")) {
		rc = snd_ctl_elem_add_boolean(ctl, id, 1);
		if (rc < 0 && rc != -EBUSY) {
			fprintf(stderr, "snd-jack-ctl: adding \"%s\": %s\n", argv[3], snd_strerror(rc));
			snd_ctl_close(ctl);
			return 1;
		}
	}
	snd_ctl_elem_value_alloca(&v);
	snd_ctl_elem_value_set_id(v, id);
	snd_ctl_elem_value_set_boolean(v, 0, value);
	rc = snd_ctl_elem_write(ctl, v);
	snd_ctl_close(ctl);
	if (rc < 0) {
		fprintf(stderr, "snd-jack-ctl: setting \"%s\": %s\n", argv[3], snd_strerror(rc));
		return 1;
	}
	return 0;
}
