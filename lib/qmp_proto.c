#include "a64vm/qmp_proto.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* A JSON string: quoted, " and \ escaped; false for a control character or no room. */
static bool put_string(char *buf, size_t len, size_t *at, const char *s)
{
	if (*at + 1 >= len)
		return false;
	buf[(*at)++] = '"';
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *at + 3 >= len)
			return false;
		if (*s == '"' || *s == '\\')
			buf[(*at)++] = '\\';
		buf[(*at)++] = *s;
	}
	buf[(*at)++] = '"';
	return true;
}

static bool put_text(char *buf, size_t len, size_t *at, const char *s)
{
	size_t n = strlen(s);

	if (*at + n >= len)
		return false;
	memcpy(buf + *at, s, n);
	*at += n;
	return true;
}

int qmp_command(char *buf, size_t len, const char *execute, unsigned n,
		const char *const keys[], const char *const values[])
{
	size_t at = 0;
	bool ok = put_text(buf, len, &at, "{\"execute\": ") && put_string(buf, len, &at, execute);

	if (ok && n)
		ok = put_text(buf, len, &at, ", \"arguments\": {");
	for (unsigned i = 0; ok && i < n; i++)
		ok = (!i || put_text(buf, len, &at, ", ")) && put_string(buf, len, &at, keys[i]) &&
		     put_text(buf, len, &at, ": ") && put_string(buf, len, &at, values[i]);
	ok = ok && (!n || put_text(buf, len, &at, "}")) && put_text(buf, len, &at, "}\n");
	if (!ok)
		return -1;
	buf[at] = '\0';
	return (int)at;
}

static const char *skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	return s;
}

/* The first member's name: "name" right after the object's brace. */
static bool first_member(const char *line, const char *name)
{
	const char *s = skip_space(line);
	size_t n = strlen(name);

	if (*s++ != '{')
		return false;
	s = skip_space(s);
	return *s == '"' && !strncmp(s + 1, name, n) && s[1 + n] == '"';
}

/* The string after "desc": with its simple escapes undone; "" if none. */
static void error_desc(const char *line, char *desc, size_t desclen)
{
	const char *s = strstr(line, "\"desc\"");
	size_t n = 0;

	if (!desclen)
		return;
	if (s) {
		s = skip_space(s + 6);
		s = *s == ':' ? skip_space(s + 1) : NULL;
	}
	if (s && *s == '"')
		for (s++; *s && *s != '"' && n + 1 < desclen; s++) {
			if (*s == '\\' && s[1])
				s++;
			desc[n++] = (unsigned char)*s < 0x20 ? ' ' : *s;
		}
	desc[n] = '\0';
}

enum qmp_line qmp_parse_line(const char *line, char *desc, size_t desclen)
{
	if (first_member(line, "return"))
		return QMP_RETURN;
	if (!first_member(line, "error"))
		return QMP_OTHER;
	error_desc(line, desc, desclen);
	return QMP_ERROR;
}
