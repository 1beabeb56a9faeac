// SPDX-License-Identifier: MIT
/*
 * zones.conf parser on SPA's own JSON tokenizer (spa/utils/json.h), the
 * dialect of pipewire.conf: bare or quoted strings, '=' or ':', optional
 * commas, '#' comments, an optional pair of braces around the whole file.
 */
#include "zone_config.h"
#include "zone_cpulist.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <spa/utils/json.h>

#define CONFIG_FILE_MAX (1024 * 1024)

struct parser {
	const char *file;	/* base name, for errors */
	const char *text;	/* copy, followed by "\n\0" */
	size_t len;		/* of the file, without that "\n" */
	const cpu_set_t *online;
	char *err;
	size_t errlen;
};

/* 1-based line of `pos' in the text. */
static int line_of(const struct parser *p, const char *pos)
{
	int line = 1;

	for (const char *c = p->text; c < pos; c++)
		if (*c == '\n')
			line++;
	return line;
}

__attribute__((format(printf, 3, 4)))
static int fail(struct parser *p, const char *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (pos > p->text + p->len)	/* the newline we added */
		pos = p->text + p->len;
	n = snprintf(p->err, p->errlen, "%s:%d: ", p->file, line_of(p, pos));

	if (n < 0 || (size_t)n >= p->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * The next token of `it' (length > 0), 0 at the end of the container, or a
 * syntax error at the tokenizer's position.
 */
static int next_token(struct parser *p, struct spa_json *it, const char **v)
{
	int len = spa_json_next(it, v);

	if (len < 0) {
		const char *at = it->cur < it->end ? it->cur : it->end;

		return fail(p, at, "syntax error (bad character, escape or unbalanced bracket)");
	}
	return len;
}

static bool is_container(const char *v, int len)
{
	return len == 1 && (*v == '{' || *v == '[');
}

/* Control characters (after unescaping) would break the one-line errors. */
static bool has_control(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

/* A string value (bare or quoted) into buf; errors name `key'. */
static int get_string(struct parser *p, const char *key, const char *v, int len, char *buf,
		      size_t size)
{
	if (is_container(v, len))
		return fail(p, v, "%s: expected a string, not %s", key,
			    *v == '{' ? "an object" : "an array");
	if (*v == '"' && (len < 2 || v[len - 1] != '"' || v[len - 2] == '\\'))
		return fail(p, v, "%s: unterminated string", key);
	if (spa_json_parse_stringn(v, len, buf, (int)size) < 0)
		return fail(p, v, "%s: longer than %zu characters", key, size - 1);
	/* \u0000 would cut the string short without saying so. */
	for (int i = 0; *v == '"' && i + 5 < len; i++)
		if (v[i] == '\\' && !strncmp(v + i + 1, "u0000", 5))
			return fail(p, v, "%s: NUL character in string", key);
	if (has_control(buf, strlen(buf)))
		return fail(p, v, "%s: control character in string", key);
	return 0;
}

/* A bare token copied for number parsing. */
static int get_number_text(struct parser *p, const char *key, const char *v, int len,
			   char *buf, size_t size)
{
	if (is_container(v, len) || *v == '"' || (size_t)len >= size ||
	    has_control(v, (size_t)len))
		return fail(p, v, "%s: expected a number", key);
	memcpy(buf, v, (size_t)len);
	buf[len] = '\0';
	return 0;
}

static int get_int(struct parser *p, const char *key, const char *v, int len, int lo, int hi,
		   int *out)
{
	char buf[32], *end;
	long val;
	int rc = get_number_text(p, key, v, len, buf, sizeof(buf));

	if (rc)
		return rc;
	errno = 0;
	val = strtol(buf, &end, 10);
	if (end == buf || *end || errno)
		return fail(p, v, "%s: \"%s\" is not an integer", key, buf);
	if (val < lo || val > hi)
		return fail(p, v, "%s: %ld is not in %d..%d", key, val, lo, hi);
	*out = (int)val;
	return 0;
}

static int get_double(struct parser *p, const char *key, const char *v, int len, double lo,
		      double hi, double *out)
{
	char buf[32], *end;
	double val;
	int rc = get_number_text(p, key, v, len, buf, sizeof(buf));

	if (rc)
		return rc;
	errno = 0;
	val = strtod(buf, &end);
	if (end == buf || *end || errno || !isfinite(val) || strpbrk(buf, "xXnN"))
		return fail(p, v, "%s: \"%s\" is not a number", key, buf);
	if (val < lo || val > hi)
		return fail(p, v, "%s: %s is not in %g..%g", key, buf, lo, hi);
	*out = val;
	return 0;
}

static int get_bool(struct parser *p, const char *key, const char *v, int len, bool *out)
{
	if (spa_json_parse_bool(v, len, out) <= 0)
		return fail(p, v, "%s: expected true or false", key);
	return 0;
}

bool zone_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > ZONE_NAME_MAX || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

static const char *const policy_names[] = {
	[ZONE_POLICY_UNSET] = "unset", [ZONE_POLICY_OTHER] = "other",
	[ZONE_POLICY_BATCH] = "batch", [ZONE_POLICY_IDLE] = "idle",
	[ZONE_POLICY_FIFO] = "fifo", [ZONE_POLICY_RR] = "rr",
};

const char *zone_policy_name(enum zone_policy pol)
{
	if ((unsigned int)pol >= sizeof(policy_names) / sizeof(policy_names[0]))
		return "?";
	return policy_names[pol];
}

int zone_policy_parse(const char *s)
{
	for (int i = ZONE_POLICY_OTHER; i <= ZONE_POLICY_RR; i++)
		if (!strcmp(s, policy_names[i]))
			return i;
	return -1;
}

/* systemd unit names: letters, digits and ":-_.\@", with a type suffix. */
static bool unit_name_valid(const char *s, const char *suffix)
{
	size_t n = strlen(s), sl = strlen(suffix);

	if (n <= sl || strcmp(s + n - sl, suffix))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr(":-_.\\@", s[i]))
			return false;
	return true;
}

/* Role and app names: printable ASCII (apps may have spaces), not empty. */
bool zone_item_valid(const char *s, bool spaces)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isgraph((unsigned char)*s) && !(spaces && *s == ' '))
			return false;
	return true;
}

static int get_list(struct parser *p, struct spa_json *it, const char *key, const char *v,
		    int len, char list[][ZONE_ITEM_MAX], size_t *n, bool spaces)
{
	struct spa_json sub;
	const char *iv;
	int ilen, rc;

	if (!(len == 1 && *v == '['))
		return fail(p, v, "%s: expected an array like [ A B ]", key);
	spa_json_enter(it, &sub);
	*n = 0;
	while ((ilen = next_token(p, &sub, &iv)) > 0) {
		if (*n == ZONE_LIST_MAX)
			return fail(p, iv, "%s: more than %d entries", key, ZONE_LIST_MAX);
		rc = get_string(p, key, iv, ilen, list[*n], ZONE_ITEM_MAX);
		if (rc)
			return rc;
		if (!zone_item_valid(list[*n], spaces))
			return fail(p, iv, "%s: \"%s\" is not a valid name", key, list[*n]);
		for (size_t i = 0; i < *n; i++)
			if (!strcmp(list[i], list[*n]))
				return fail(p, iv, "%s: \"%s\" is listed twice", key, list[*n]);
		(*n)++;
	}
	return ilen;
}

enum zone_key {
	K_NAME, K_UNIT, K_PIDFILE, K_SLICE, K_CPUS, K_POLICY, K_PRIORITY, K_NICE, K_NODE,
	K_ROLES, K_APPS, K_RANK, K_LEVEL, K_SAFETY, K_COUNT
};

static const char *const zone_keys[K_COUNT] = {
	"name", "backend.unit", "backend.pid-file", "slice", "cpus", "sched.policy",
	"sched.priority", "sched.nice", "node", "roles", "apps", "duck.rank",
	"duck.level-db", "safety",
};

/* Where each key of the zone object was, for checks across keys. */
struct zone_keys_seen {
	const char *at[K_COUNT];
};

static int zone_value(struct parser *p, struct spa_json *it, struct zone *z, enum zone_key k,
		      const char *v, int len)
{
	const char *key = zone_keys[k];
	char buf[ZONE_STR_MAX], why[160];
	int rc, pol;

	switch (k) {
	case K_NAME:
		rc = get_string(p, key, v, len, buf, sizeof(buf));
		if (!rc && !zone_name_valid(buf))
			return fail(p, v, "name: \"%s\" is not a zone name ([a-z][a-z0-9]{0,14})",
				    buf);
		if (!rc)
			memcpy(z->name, buf, strlen(buf) + 1);	/* valid: <= ZONE_NAME_MAX */
		return rc;
	case K_UNIT:
		rc = get_string(p, key, v, len, z->backend_unit, sizeof(z->backend_unit));
		if (!rc && !unit_name_valid(z->backend_unit, ".service"))
			return fail(p, v, "backend.unit: \"%s\" is not a service unit name",
				    z->backend_unit);
		return rc;
	case K_PIDFILE:
		rc = get_string(p, key, v, len, z->backend_pid_file, sizeof(z->backend_pid_file));
		if (!rc && z->backend_pid_file[0] != '/')
			return fail(p, v, "backend.pid-file: \"%s\" is not an absolute path",
				    z->backend_pid_file);
		return rc;
	case K_SLICE:
		rc = get_string(p, key, v, len, z->slice, sizeof(z->slice));
		if (!rc && !unit_name_valid(z->slice, ".slice"))
			return fail(p, v, "slice: \"%s\" is not a slice unit name", z->slice);
		return rc;
	case K_CPUS:
		rc = get_string(p, key, v, len, buf, sizeof(buf));
		if (rc)
			return rc;
		if (zone_cpulist_parse(buf, p->online, &z->cpus, why, sizeof(why)))
			return fail(p, v, "cpus: %s", why);
		z->has_cpus = true;
		return 0;
	case K_POLICY:
		rc = get_string(p, key, v, len, buf, sizeof(buf));
		if (rc)
			return rc;
		pol = zone_policy_parse(buf);
		if (pol < 0)
			return fail(p, v, "sched.policy: \"%s\" is not one of fifo, rr, other, "
				    "batch, idle", buf);
		z->policy = (enum zone_policy)pol;
		return 0;
	case K_PRIORITY:
		return get_int(p, key, v, len, 1, 99, &z->priority);
	case K_NICE:
		return get_int(p, key, v, len, -20, 19, &z->nice);
	case K_NODE:
		rc = get_string(p, key, v, len, z->node, sizeof(z->node));
		if (!rc && !zone_item_valid(z->node, false))
			return fail(p, v, "node: \"%s\" is not a node name", z->node);
		return rc;
	case K_ROLES:
		return get_list(p, it, key, v, len, z->roles, &z->n_roles, false);
	case K_APPS:
		return get_list(p, it, key, v, len, z->apps, &z->n_apps, true);
	case K_RANK:
		return get_int(p, key, v, len, 0, 100, &z->duck_rank);
	case K_LEVEL:
		return get_double(p, key, v, len, -96.0, 0.0, &z->duck_level_db);
	case K_SAFETY:
		return get_bool(p, key, v, len, &z->safety);
	case K_COUNT:
		break;
	}
	return -EINVAL;
}

/* Checks that need several keys of one zone; `open' is its '{'. */
static int zone_check(struct parser *p, struct zone *z, const struct zone_keys_seen *s,
		      const char *open)
{
	if (!s->at[K_NAME])
		return fail(p, open, "zone without a name");
	if (s->at[K_UNIT] && s->at[K_PIDFILE])
		return fail(p, s->at[K_PIDFILE], "zone %s: backend.unit and backend.pid-file "
			    "exclude each other", z->name);
	if (s->at[K_PRIORITY] && !zone_policy_is_rt(z->policy))
		return fail(p, s->at[K_PRIORITY], "zone %s: sched.priority needs sched.policy "
			    "fifo or rr", z->name);
	if (zone_policy_is_rt(z->policy) && !s->at[K_PRIORITY])
		return fail(p, s->at[K_POLICY], "zone %s: sched.policy %s needs sched.priority "
			    "(1..99)", z->name, zone_policy_name(z->policy));
	if (s->at[K_NICE] && z->policy != ZONE_POLICY_OTHER && z->policy != ZONE_POLICY_BATCH)
		return fail(p, s->at[K_NICE], "zone %s: sched.nice needs sched.policy other or "
			    "batch", z->name);
	if (!s->at[K_NODE]) {
		/* "vlo.zone." + a name of at most ZONE_NAME_MAX: fits */
		memcpy(z->node, "vlo.zone.", 9);
		memcpy(z->node + 9, z->name, strlen(z->name) + 1);
	}
	return 0;
}

static int parse_zone(struct parser *p, struct spa_json *arr, const char *open, struct zone *z)
{
	struct zone_keys_seen seen = { 0 };
	struct spa_json obj;
	const char *kv, *v;
	char key[64];
	int klen, len, rc;

	memset(z, 0, sizeof(*z));
	if (!(*open == '{'))
		return fail(p, open, "zones: each zone is an object { name = ... }");
	spa_json_enter(arr, &obj);
	while ((klen = next_token(p, &obj, &kv)) > 0) {
		enum zone_key k;

		rc = get_string(p, "key", kv, klen, key, sizeof(key));
		if (rc)
			return rc;
		for (k = 0; k < K_COUNT; k++)
			if (!strcmp(key, zone_keys[k]))
				break;
		if (k == K_COUNT)
			return fail(p, kv, "unknown key \"%s\" in a zone", key);
		if (seen.at[k])
			return fail(p, kv, "%s: given twice in one zone (first at line %d)", key,
				    line_of(p, seen.at[k]));
		seen.at[k] = kv;
		len = next_token(p, &obj, &v);
		if (len < 0)
			return len;
		if (len == 0)
			return fail(p, kv, "%s: missing value", key);
		rc = zone_value(p, &obj, z, k, v, len);
		if (rc)
			return rc;
	}
	if (klen < 0)
		return klen;
	return zone_check(p, z, &seen, open);
}

/* Zone names, roles and apps are unique across zones. */
static int check_across(struct parser *p, struct zone_config *cfg, const char *const *at,
			size_t i)
{
	struct zone *z = &cfg->zones[i];

	for (size_t j = 0; j < i; j++) {
		struct zone *o = &cfg->zones[j];

		if (!strcmp(o->name, z->name))
			return fail(p, at[i], "zone \"%s\" is defined twice (first at line %d)",
				    z->name, line_of(p, at[j]));
		for (size_t a = 0; a < z->n_roles; a++)
			for (size_t b = 0; b < o->n_roles; b++)
				if (!strcmp(z->roles[a], o->roles[b]))
					return fail(p, at[i], "zone %s: role \"%s\" is already in "
						    "zone %s", z->name, z->roles[a], o->name);
		for (size_t a = 0; a < z->n_apps; a++)
			for (size_t b = 0; b < o->n_apps; b++)
				if (!strcmp(z->apps[a], o->apps[b]))
					return fail(p, at[i], "zone %s: app \"%s\" is already in "
						    "zone %s", z->name, z->apps[a], o->name);
	}
	return 0;
}

static int parse_zones(struct parser *p, struct spa_json *it, const char *v, int len,
		       struct zone_config *cfg)
{
	const char *at[ZONE_MAX];
	struct spa_json arr;
	const char *zv;
	int zlen, rc;

	if (!(len == 1 && *v == '['))
		return fail(p, v, "zones: expected an array of zones [ { ... } ... ]");
	spa_json_enter(it, &arr);
	while ((zlen = next_token(p, &arr, &zv)) > 0) {
		if (cfg->n_zones == ZONE_MAX)
			return fail(p, zv, "zones: more than %d zones", ZONE_MAX);
		at[cfg->n_zones] = zv;
		rc = parse_zone(p, &arr, zv, &cfg->zones[cfg->n_zones]);
		if (rc)
			return rc;
		rc = check_across(p, cfg, at, cfg->n_zones);
		if (rc)
			return rc;
		cfg->n_zones++;
	}
	return zlen;
}

static int parse_top(struct parser *p, size_t len, struct zone_config *cfg)
{
	struct spa_json outer, top;
	const char *kv, *v, *seen_zones = NULL, *seen_group = NULL;
	char key[64];
	int klen, vlen, rc;

	/* Like pipewire.conf: the whole file may or may not be in braces. */
	spa_json_init(&outer, p->text, len);
	if (spa_json_enter_object(&outer, &top) <= 0)
		spa_json_init(&top, p->text, len);
	while ((klen = next_token(p, &top, &kv)) > 0) {
		rc = get_string(p, "key", kv, klen, key, sizeof(key));
		if (rc)
			return rc;
		vlen = next_token(p, &top, &v);
		if (vlen < 0)
			return vlen;
		if (vlen == 0)
			return fail(p, kv, "%s: missing value", key);
		if (!strcmp(key, "zones")) {
			if (seen_zones)
				return fail(p, kv, "zones: given twice (first at line %d)",
					    line_of(p, seen_zones));
			seen_zones = kv;
			rc = parse_zones(p, &top, v, vlen, cfg);
		} else if (!strcmp(key, "group")) {
			if (seen_group)
				return fail(p, kv, "group: given twice (first at line %d)",
					    line_of(p, seen_group));
			seen_group = kv;
			rc = get_string(p, key, v, vlen, cfg->group, sizeof(cfg->group));
			if (!rc && (!cfg->group[0] || !zone_item_valid(cfg->group, false)))
				rc = fail(p, v, "group: \"%s\" is not a group name", cfg->group);
		} else {
			rc = fail(p, kv, "unknown key \"%s\" (known: zones, group)", key);
		}
		if (rc)
			return rc;
	}
	if (klen < 0)
		return klen;
	/*
	 * The tokenizer stops at a closing bracket of the top level: the
	 * file's own closing brace when it has one, else a stray one.
	 */
	if (top.parent && top.cur >= p->text + len)
		return fail(p, p->text + len - 1, "missing the closing '}' of the file");
	if (top.cur < p->text + len) {
		struct spa_json rest;
		const char *rv;

		if (!top.parent)
			return fail(p, top.cur, "syntax error: unexpected '%c'", *top.cur);
		spa_json_init(&rest, top.cur + 1, (size_t)(p->text + len - top.cur - 1));
		if (spa_json_next(&rest, &rv) != 0)
			return fail(p, rest.cur < rest.end ? rv : top.cur,
				    "syntax error: text after the file's closing '}'");
	}
	if (!seen_zones)
		return fail(p, p->text + len - 1, "no \"zones = [ ... ]\" in the file");
	return 0;
}

int zone_config_parse(const char *file, const char *text, size_t len, const cpu_set_t *online,
		      struct zone_config *cfg, char *err, size_t errlen)
{
	const char *base = strrchr(file, '/');
	struct zone_config *tmp;
	char *copy;
	int rc;

	if (len > CONFIG_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", base ? base + 1 : file,
			 CONFIG_FILE_MAX);
		return -EINVAL;
	}
	/*
	 * A newline and a NUL after the text: SPA 0.3.65's tokenizer returns a
	 * comment that ends the input as a token, and strtol may look one
	 * byte past a token.
	 */
	copy = malloc(len + 2);
	tmp = calloc(1, sizeof(*tmp));
	if (!copy || !tmp) {
		free(copy);
		free(tmp);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	memcpy(copy, text, len);
	copy[len] = '\n';
	copy[len + 1] = '\0';

	struct parser p = {
		.file = base ? base + 1 : file, .text = copy, .len = len, .online = online,
		.err = err, .errlen = errlen,
	};
	rc = parse_top(&p, len + 1, tmp);
	if (rc == 0)
		*cfg = *tmp;
	free(tmp);
	free(copy);
	return rc;
}

int zone_config_load(const char *path, const cpu_set_t *online, struct zone_config *cfg,
		     char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	buf = malloc(CONFIG_FILE_MAX + 1);
	if (!buf) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	while (len <= CONFIG_FILE_MAX &&
	       (n = read(fd, buf + len, CONFIG_FILE_MAX + 1 - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		len += (size_t)n;
	}
	rc = zone_config_parse(path, buf, len, online, cfg, err, errlen);
out:
	free(buf);
	close(fd);
	return rc;
}

struct zone *zone_config_find(struct zone_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_zones; i++)
		if (!strcmp(cfg->zones[i].name, name))
			return &cfg->zones[i];
	return NULL;
}
