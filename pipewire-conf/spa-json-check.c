// SPDX-License-Identifier: MIT
/*
 * spa-json-check FILE...: syntax check of PipeWire / WirePlumber 0.5
 * configuration files (SPA-JSON) with SPA's own tokenizer, so that a file
 * this tool accepts is one PipeWire tokenizes the same way. WirePlumber 0.5
 * cannot run on Debian 12, so this is all `make check' can say about the
 * 0.5 variant of pipewire-conf/.
 *
 * SPA's tokenizer is lenient where a typo hurts: it does not pair '{' with
 * '}' (a "]" closes an object too) and takes a key without a value. On top
 * of it this checks that closers match their openers, that every key of an
 * object has a value and is not a container, that strings are valid, and
 * that the entries of a "*.rules" array have the shape WirePlumber 0.5
 * reads: { matches = [ {..}.. ] actions = { .. } }.
 *
 * Exit status: 0 all files fine, 1 a file has an error (reported as
 * FILE:LINE: message), 2 usage or I/O error.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spa/utils/json.h>

#define MAX_DEPTH 64

struct checker {
	const char *file;
	const char *data;
	int errors;
};

static void error_at(struct checker *c, const char *at, const char *what)
{
	int line = 1;

	for (const char *p = c->data; p < at; p++)
		line += *p == '\n';
	fprintf(stderr, "%s:%d: %s\n", c->file, line, what);
	c->errors++;
}

static int check_value(struct checker *c, struct spa_json *it, const char *val, int len,
		       int depth);

/*
 * Walks the container `it' was just entered into; `open' is its opening
 * character ('{', '[', or 0 for the top level, an object without braces).
 * On return the parent's tokenizer stands on our closer.
 */
static int check_container(struct checker *c, struct spa_json *it, char open, int depth)
{
	bool object = open != '[';
	bool want_value = false;
	const char *val, *key = NULL;
	int len;

	if (depth > MAX_DEPTH) {
		error_at(c, it->cur, "nested too deeply");
		return -1;
	}
	while ((len = spa_json_next(it, &val)) > 0) {
		if (object && !want_value) {
			if (spa_json_is_container(val, len)) {
				error_at(c, val, "an object key cannot be an object or array");
				return -1;
			}
			if (spa_json_is_string(val, len) &&
			    check_value(c, it, val, len, depth) < 0)
				return -1;
			key = val;
			want_value = true;
			continue;
		}
		if (check_value(c, it, val, len, depth) < 0)
			return -1;
		want_value = false;
	}
	if (len < 0) {
		error_at(c, it->cur, "invalid token (bad string, escape or unbalanced bracket)");
		return -1;
	}
	if (want_value) {
		error_at(c, key, "key without a value");
		return -1;
	}
	/* Ended: at our closer, or at the end of the data. */
	if (open == 0) {
		if (it->cur < it->end) {
			error_at(c, it->cur, "closing bracket without an opening one");
			return -1;
		}
		return 0;
	}
	if (it->cur >= it->end) {
		error_at(c, it->cur, open == '{' ? "'{' never closed" : "'[' never closed");
		return -1;
	}
	if (*it->cur != (open == '{' ? '}' : ']')) {
		error_at(c, it->cur, open == '{' ? "'{' closed by ']'" : "'[' closed by '}'");
		return -1;
	}
	return 0;
}

static int check_value(struct checker *c, struct spa_json *it, const char *val, int len,
		       int depth)
{
	struct spa_json sub;
	char buf[4096];

	if (spa_json_is_container(val, len)) {
		spa_json_enter(it, &sub);
		return check_container(c, &sub, *val, depth + 1);
	}
	if (*val == '"') {
		if (len >= (int)sizeof(buf)) {
			error_at(c, val, "string too long");
			return -1;
		}
		if (len < 2 || val[len - 1] != '"' || spa_json_parse_stringn(val, len, buf,
									     sizeof(buf)) < 0) {
			error_at(c, val, "invalid string");
			return -1;
		}
	}
	return 0;
}

/* Is the token the bare or quoted word `word'? */
static bool is_word(const char *val, int len, const char *word)
{
	int n = (int)strlen(word);

	if (len == n + 2 && val[0] == '"')
		return strncmp(val + 1, word, (size_t)n) == 0;
	return len == n && strncmp(val, word, (size_t)n) == 0;
}

static bool ends_with(const char *val, int len, const char *suffix)
{
	int n = (int)strlen(suffix);

	if (len >= 2 && val[0] == '"') {
		val++;
		len -= 2;
	}
	return len >= n && strncmp(val + len - n, suffix, (size_t)n) == 0;
}

/* One entry of a rules array: { matches = [ { ... } ... ] actions = { ... } }. */
static int check_rule(struct checker *c, struct spa_json *rule, const char *at)
{
	bool matches = false, actions = false;
	const char *val;
	int len;

	while ((len = spa_json_next(rule, &val)) > 0) {
		const char *key = val;
		int klen = len;

		if ((len = spa_json_next(rule, &val)) <= 0)
			break;
		if (is_word(key, klen, "matches")) {
			struct spa_json arr;

			if (!spa_json_is_array(val, len)) {
				error_at(c, val, "rule: 'matches' must be an array");
				return -1;
			}
			spa_json_enter(rule, &arr);
			while ((len = spa_json_next(&arr, &val)) > 0) {
				if (!spa_json_is_object(val, len)) {
					error_at(c, val, "rule: each match must be an object");
					return -1;
				}
				matches = true;	/* its body is skipped by the next call */
			}
		} else if (is_word(key, klen, "actions")) {
			if (!spa_json_is_object(val, len)) {
				error_at(c, val, "rule: 'actions' must be an object");
				return -1;
			}
			actions = true;
		}
	}
	if (!matches || !actions) {
		error_at(c, at, !matches ? "rule without a non-empty 'matches' array"
					 : "rule without 'actions'");
		return -1;
	}
	return 0;
}

/* The shape of every top-level "*.rules" array (syntax is known good). */
static int check_rules(struct checker *c)
{
	struct spa_json file, top, arr, rule;
	const char *key, *val;
	int klen, len;

	spa_json_init(&file, c->data, strlen(c->data));
	top = file;
	if (spa_json_next(&file, &val) == 1 && *val == '{')
		spa_json_enter(&file, &top);	/* the braces' form */
	while ((klen = spa_json_next(&top, &key)) > 0) {
		if ((len = spa_json_next(&top, &val)) <= 0)
			break;
		if (!ends_with(key, klen, ".rules"))
			continue;
		if (!spa_json_is_array(val, len)) {
			error_at(c, val, "a '.rules' value must be an array");
			return -1;
		}
		spa_json_enter(&top, &arr);
		while ((len = spa_json_next(&arr, &val)) > 0) {
			if (!spa_json_is_object(val, len)) {
				error_at(c, val, "a rule must be an object");
				return -1;
			}
			spa_json_enter(&arr, &rule);
			if (check_rule(c, &rule, val) < 0)
				return -1;
		}
	}
	return 0;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap = cap * 2 + 8192);

			if (!nb)
				break;
			buf = nb;
		}
		size_t got = fread(buf + len, 1, cap - len - 1, f);

		len += got;
		if (got == 0) {
			if (ferror(f))
				break;
			buf[len] = '\0';
			fclose(f);
			if (strlen(buf) != len) {	/* a NUL inside: not a text file */
				free(buf);
				errno = EINVAL;
				return NULL;
			}
			return buf;
		}
	}
	free(buf);
	fclose(f);
	errno = errno ? errno : ENOMEM;
	return NULL;
}

/* A file is an object, with or without its braces. */
static int check_file(struct checker *c)
{
	struct spa_json it, peek;
	const char *val;
	int len;

	spa_json_init(&it, c->data, strlen(c->data));
	peek = it;
	len = spa_json_next(&peek, &val);
	if (len == 1 && *val == '{') {
		it = peek;
		if (check_value(c, &it, val, len, 0) < 0)
			return -1;
		if ((len = spa_json_next(&it, &val)) != 0) {
			error_at(c, len > 0 ? val : it.cur, "text after the top-level object");
			return -1;
		}
		return 0;
	}
	return check_container(c, &it, 0, 0);
}

int main(int argc, char **argv)
{
	int bad = 0;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		fprintf(argc < 2 ? stderr : stdout,
			"Usage: spa-json-check FILE...\n"
			"Check PipeWire/WirePlumber 0.5 configuration files (SPA-JSON) with SPA's\n"
			"tokenizer: brackets, keys and values, strings, and the shape of \"*.rules\"\n"
			"arrays. Errors are printed as FILE:LINE: message.\n"
			"Exit status: 0 all fine, 1 a file has errors, 2 usage or I/O error.\n");
		return argc < 2 ? 2 : 0;
	}
	for (int i = 1; i < argc; i++) {
		struct checker c = { .file = argv[i] };

		c.data = read_file(argv[i]);
		if (!c.data) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			return 2;
		}
		if (check_file(&c) == 0)
			check_rules(&c);
		if (c.errors)
			bad = 1;
		else
			printf("%s: ok\n", argv[i]);
		free((char *)c.data);
	}
	return bad;
}
