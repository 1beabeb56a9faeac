// SPDX-License-Identifier: MIT
/* Props channelVolumes in and out (see pw_volume.h). */
#include "pw_volume.h"

#include <math.h>

#include <spa/param/props.h>
#include <spa/pod/iter.h>
#include <spa/pod/parser.h>

bool pw_volume_from_props(const struct spa_pod *param, struct pw_volume *vol)
{
	const struct spa_pod_prop *prop;
	const struct spa_pod_object *obj;

	if (!param || !spa_pod_is_object_type(param, SPA_TYPE_OBJECT_Props))
		return false;
	obj = (const struct spa_pod_object *)param;
	SPA_POD_OBJECT_FOREACH(obj, prop) {
		uint32_t n;

		if (prop->key != SPA_PROP_channelVolumes)
			continue;
		n = spa_pod_copy_array(&prop->value, SPA_TYPE_Float, vol->v, PW_VOLUME_MAX_CHANNELS);
		if (n == 0)
			return false;
		vol->n = n;
		return true;
	}
	return false;
}

struct spa_pod *pw_volume_to_props(const struct pw_volume *vol, void *buf, size_t size)
{
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buf, (uint32_t)size);
	struct spa_pod_frame f;

	spa_pod_builder_push_object(&b, &f, SPA_TYPE_OBJECT_Props, SPA_PARAM_Props);
	spa_pod_builder_prop(&b, SPA_PROP_channelVolumes, 0);
	spa_pod_builder_array(&b, sizeof(float), SPA_TYPE_Float, vol->n, vol->v);
	return spa_pod_builder_pop(&b, &f);
}

void pw_volume_scale(const struct pw_volume *vol, double gain, struct pw_volume *out)
{
	out->n = vol->n;
	for (uint32_t i = 0; i < vol->n; i++)
		out->v[i] = (float)(vol->v[i] * gain);
}

bool pw_volume_equal(const struct pw_volume *a, const struct pw_volume *b)
{
	if (a->n != b->n)
		return false;
	for (uint32_t i = 0; i < a->n; i++)
		if (fabsf(a->v[i] - b->v[i]) > 1e-3f)
			return false;
	return true;
}

double pw_volume_db_to_gain(double db)
{
	return pow(10.0, db / 20.0);
}
