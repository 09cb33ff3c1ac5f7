/*
 * test_mime_render.c - messages into display rows, the URL list and
 * the attachment list (src/mime_render.c).  The look of whole messages
 * is checked by tests/render/test_golden.py; this checks the API.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "message/mime_render.h"

static const struct render_opts no_tools = { .no_mailcap = 1, .no_verify = 1 };

/* Render a C string with the test options (width as given). */
static struct render *
render(const char *msg, int width)
{
	struct render_opts o = no_tools;

	o.width = width;
	return mime_render(msg, strlen(msg), &o);
}

/* All rows joined by newlines. */
static char *
rows(const struct render *r)
{
	GString *s = g_string_new(NULL);
	size_t i;

	for (i = 0; i < render_count(r); i++)
		g_string_append_printf(s, "%s\n", render_line(r, i)->text);
	return g_string_free(s, FALSE);
}

/* Empty, odd and non-message input never fails. */
static void
test_odd_input(void)
{
	static const char *const inputs[] = { "", "\n", "\n\n\n", "x",
		"From: \n\n", ":\n\n", "Subject: only headers" };
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(inputs); i++) {
		struct render *r =
		    mime_render(inputs[i], strlen(inputs[i]), NULL);

		g_assert_nonnull(r);
		render_set_width(r, 1);
		render_set_width(r, 0);
		render_free(r);
	}
	render_free(NULL);
}

static void
test_kinds(void)
{
	struct render *r = render("From: a@b.org\nSubject: s\n\n"
				  "text\n> quoted\n>> twice\n-- \nsig\n",
	    0);
	static const struct {
		const char *text;
		enum render_kind kind;
		int quote, name_len;
	} want[] = {
		{ "From: a@b.org", RENDER_HEADER, 0, 5 },
		{ "Subject: s", RENDER_HEADER, 0, 8 },
		{ "", RENDER_TEXT, 0, 0 },
		{ "text", RENDER_TEXT, 0, 0 },
		{ "> quoted", RENDER_QUOTE, 1, 0 },
		{ ">> twice", RENDER_QUOTE, 2, 0 },
		{ "-- ", RENDER_SIGNATURE, 0, 0 },
		{ "sig", RENDER_SIGNATURE, 0, 0 },
	};
	size_t i;

	g_assert_cmpuint(render_count(r), ==, G_N_ELEMENTS(want));
	for (i = 0; i < G_N_ELEMENTS(want); i++) {
		const struct render_line *l = render_line(r, i);

		g_assert_cmpstr(l->text, ==, want[i].text);
		g_assert_cmpint(l->kind, ==, want[i].kind);
		g_assert_cmpint(l->quote, ==, want[i].quote);
		g_assert_cmpint(l->name_len, ==, want[i].name_len);
		g_assert_false(l->cont);
	}
	render_free(r);
}

/* Changing the width re-wraps without parsing again. */
static void
test_width(void)
{
	struct render *r = render("Subject: s\n\none two three four five\n"
				  "\tx\n",
	    0);
	char *s;

	s = rows(r);
	g_assert_cmpstr(
	    s, ==, "Subject: s\n\none two three four five\n        x\n");
	g_free(s);
	render_set_width(r, 10);
	s = rows(r);
	g_assert_cmpstr(
	    s, ==, "Subject: s\n\none two\n+three\n+four five\n        x\n");
	g_free(s);
	g_assert_true(render_line(r, 3)->cont);
	g_assert_false(render_line(r, 2)->cont);
	render_set_width(r, 0);
	g_assert_cmpuint(render_count(r), ==, 4);
	render_free(r);
}

/* A flowed paragraph wraps with its quote prefix, without a marker. */
static void
test_flowed_wrap(void)
{
	struct render *r = render("Content-Type: text/plain; "
				  "format=flowed\n\n> aaa bbb \n> ccc ddd\n",
	    9);
	char *s = rows(r);

	g_assert_cmpstr(s, ==, "> aaa bbb\n> ccc ddd\n");
	g_free(s);
	render_set_width(r, 8);
	s = rows(r);
	g_assert_cmpstr(s, ==, "> aaa\n> bbb\n> ccc\n> ddd\n");
	g_free(s);
	render_free(r);
}

/* URLs: listed once each, marked in the rows where they are shown. */
static void
test_links(void)
{
	struct render *r =
	    render("Subject: see https://a.org/x\n\n"
		   "go to https://a.org/x and http://b.org/ now\n",
		0);
	const struct render_line *l;

	g_assert_cmpuint(render_url_count(r), ==, 2);
	g_assert_cmpstr(render_url(r, 0), ==, "https://a.org/x");
	g_assert_cmpstr(render_url(r, 1), ==, "http://b.org/");
	l = render_line(r, 0);
	g_assert_cmpuint(l->nlinks, ==, 1);
	g_assert_cmpuint(l->links[0].url, ==, 0);
	g_assert_cmpint(strncmp(l->text + l->links[0].start, "https://a.org/x",
			    l->links[0].len),
	    ==, 0);
	l = render_line(r, 2);
	g_assert_cmpuint(l->nlinks, ==, 2);
	g_assert_cmpuint(l->links[1].url, ==, 1);
	/* wrapped: the link is cut with its row, prefix counted */
	render_set_width(r, 12);
	l = render_line(r, 5); /* "go to" and the header took rows */
	g_assert_cmpstr(l->text, ==, "+https://a.o");
	g_assert_cmpuint(l->nlinks, ==, 1);
	g_assert_cmpuint(l->links[0].start, ==, 1);
	g_assert_cmpuint(l->links[0].len, ==, 11);
	render_free(r);
}

static const char *const mixed =
    "Subject: files\nMIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=b\n\n"
    "--b\nContent-Type: text/plain\n\nbody text\n"
    "begin 644 uu.txt\n#86)C\n`\nend\n"
    "--b\nContent-Type: application/pdf\n"
    "Content-Disposition: attachment; "
    "filename=\"../../r\xe2\x80\xaeport.pdf\"\n"
    "Content-Transfer-Encoding: base64\n\nJVBERi0=\n"
    "--b\nContent-Type: application/octet-stream\n\nraw\n"
    "--b--\n";

static void
test_attachments(void)
{
	struct render *r = render(mixed, 0);
	const struct render_attachment *a;
	char *name;

	g_assert_cmpuint(render_attachment_count(r), ==, 4);
	a = render_attachment(r, 0);
	g_assert_cmpint(a->number, ==, 1);
	g_assert_cmpstr(a->type, ==, "text/plain");
	g_assert_null(a->name);
	g_assert_true(a->shown);
	a = render_attachment(r, 1); /* the uuencoded block */
	g_assert_cmpint(a->number, ==, 2);
	g_assert_cmpstr(a->name, ==, "uu.txt");
	g_assert_cmpuint(a->size, ==, 3);
	g_assert_cmpstr(a->encoding, ==, "uuencode");
	a = render_attachment(r, 2);
	g_assert_cmpstr(a->name, ==, "../../r<U+202E>port.pdf");
	g_assert_cmpstr(a->type, ==, "application/pdf");
	g_assert_cmpstr(a->encoding, ==, "base64");
	g_assert_false(a->shown);
	name = render_attachment_filename(r, 2);
	g_assert_cmpstr(name, ==, "r_port.pdf");
	free(name);
	name = render_attachment_filename(r, 3);
	g_assert_cmpstr(name, ==, "attachment-4");
	free(name);
	name = render_attachment_filename(r, 0);
	g_assert_cmpstr(name, ==, "attachment-1.txt");
	free(name);
	render_free(r);
}

static void
test_save(void)
{
	struct render *r = render(mixed, 0);
	char *dir = g_dir_make_tmp("tern-save-XXXXXX", NULL);
	char *path = g_build_filename(dir, "out", NULL), *err = NULL, *data;
	size_t len;
	struct stat st;

	g_assert_cmpint(render_attachment_save(r, 2, path, 0, &err), ==, 0);
	g_assert_true(g_file_get_contents(path, &data, &len, NULL));
	g_assert_cmpuint(len, ==, 5);
	g_assert_cmpint(memcmp(data, "%PDF-", 5), ==, 0);
	g_free(data);
	g_assert_cmpint(stat(path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0077, ==, 0);
	/* no overwriting unless forced */
	g_assert_cmpint(render_attachment_save(r, 1, path, 0, &err), ==, -1);
	g_assert_nonnull(strstr(err, "already exists"));
	free(err);
	g_assert_cmpint(render_attachment_save(r, 1, path, 1, &err), ==, 0);
	g_assert_true(g_file_get_contents(path, &data, &len, NULL));
	g_assert_cmpuint(len, ==, 3);
	g_assert_cmpint(memcmp(data, "abc", 3), ==, 0);
	g_free(data);
	g_unlink(path);
	g_rmdir(dir);
	g_free(path);
	g_free(dir);
	render_free(r);
}

/* Opening: a copiousoutput viewer's output, the file removed after. */
static void
test_viewer(void)
{
	struct render *r = render(mixed, 0);
	char *dir = g_dir_make_tmp("tern-view-XXXXXX", NULL);
	char *mc = g_build_filename(dir, "mailcap", NULL);
	char *err = NULL, *out = NULL,
	     *rec = g_build_filename(dir, "rec", NULL);
	char *text =
	    g_strdup_printf("application/pdf; cat %%s; copiousoutput\n"
			    "application/octet-stream; echo %%s > %s\n",
		rec);
	struct render_viewer *v;
	size_t len;

	g_assert_true(g_file_set_contents(mc, text, -1, NULL));
	v = render_attachment_viewer(r, 2, mc, 0, &err);
	g_assert_nonnull(v);
	g_assert_true(render_viewer_copious(v));
	g_assert_cmpint(render_viewer_run(v, &out, &len, &err), ==, 0);
	g_assert_cmpuint(len, ==, 5);
	g_assert_cmpint(memcmp(out, "%PDF-", 5), ==, 0);
	free(out);
	render_viewer_free(v);
	v = render_attachment_viewer(r, 3, mc, 0, &err);
	g_assert_nonnull(v);
	g_assert_false(render_viewer_copious(v));
	g_assert_cmpint(render_viewer_run(v, &out, &len, &err), ==, 0);
	render_viewer_free(v);
	g_assert_true(g_file_get_contents(rec, &out, NULL, NULL));
	g_strchomp(out);
	g_assert_true(g_str_has_suffix(out, "/part"));
	g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
	g_free(out);
	/* no entry for the type */
	g_assert_null(render_attachment_viewer(r, 0, mc, 0, &err));
	g_assert_nonnull(strstr(err, "no mailcap entry for text/plain"));
	free(err);
	g_unlink(rec);
	g_unlink(mc);
	g_rmdir(dir);
	g_free(rec);
	g_free(mc);
	g_free(text);
	g_free(dir);
	render_free(r);
}

static void
test_options(void)
{
	static const char *const headers[] = { "X-Custom", "subject", NULL };
	static const char *const order[] = { "text/html", NULL };
	const char *msg =
	    "Subject: s\nX-Custom: c\nFrom: f\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/alternative; boundary=a\n\n"
	    "--a\nContent-Type: text/plain\n\nplain\n"
	    "--a\nContent-Type: text/html\n\n<b>html</b>\n--a--\n";
	struct render_opts o = no_tools;
	struct render *r;
	char *s;

	r = mime_render(msg, strlen(msg), &o);
	s = rows(r);
	g_assert_cmpstr(s, ==, "From: f\nSubject: s\n\nplain\n");
	g_free(s);
	render_free(r);
	o.header_list = headers;
	o.alternative_order = order;
	r = mime_render(msg, strlen(msg), &o);
	s = rows(r);
	g_assert_cmpstr(s, ==, "X-Custom: c\nsubject: s\n\nhtml\n");
	g_free(s);
	/* the unchosen part is still in the attachment list */
	g_assert_cmpuint(render_attachment_count(r), ==, 2);
	g_assert_false(render_attachment(r, 0)->shown);
	render_free(r);
	o.header_list = NULL;
	o.alternative_order = NULL;
	o.prefer_html = 1;
	r = mime_render(msg, strlen(msg), &o);
	g_assert_cmpstr(render_line(r, render_count(r) - 1)->text, ==, "html");
	render_free(r);
	o.prefer_html = 0;
	o.all_headers = 1;
	r = mime_render(msg, strlen(msg), &o);
	s = rows(r);
	g_assert_true(g_str_has_prefix(s,
	    "Subject: s\nX-Custom: c\nFrom: f\n"
	    "MIME-Version: 1.0\nContent-Type: "));
	g_free(s);
	render_free(r);
}

/* Deep and wide messages end with a note, quickly. */
static void
test_limits(void)
{
	GString *m = g_string_new("Subject: deep\n");
	struct render *r;
	char *s;
	int i;

	for (i = 0; i < 10000; i++)
		g_string_append_printf(m,
		    "Content-Type: multipart/mixed; boundary=%d\n\n--%d\n", i,
		    i);
	r = mime_render(m->str, m->len, &no_tools);
	s = rows(r);
	g_assert_nonnull(strstr(s, "too deeply nested"));
	g_free(s);
	render_free(r);
	g_string_assign(m,
	    "Subject: wide\nContent-Type: multipart/mixed; "
	    "boundary=p\n\n");
	for (i = 0; i < 100000; i++)
		g_string_append(m, "--p\n\nx\n");
	r = mime_render(m->str, m->len, &no_tools);
	s = rows(r);
	g_assert_nonnull(strstr(s, "more than 1000 parts"));
	g_free(s);
	g_assert_cmpuint(render_attachment_count(r), <, RENDER_MAX_PARTS);
	render_free(r);
	/* message/rfc822 nested without end */
	g_string_truncate(m, 0);
	for (i = 0; i < 5000; i++)
		g_string_append(
		    m, "Subject: l\nContent-Type: message/rfc822\n\n");
	r = mime_render(m->str, m->len, &no_tools);
	s = rows(r);
	g_assert_nonnull(strstr(s, "too deeply nested"));
	g_free(s);
	render_free(r);
	g_string_free(m, TRUE);
}

/* Text for body searches: decoded, HTML as text. */
static void
test_text_content(void)
{
	const char *msg = "MIME-Version: 1.0\n"
			  "Content-Type: multipart/mixed; boundary=b\n\n"
			  "--b\nContent-Type: text/plain; charset=iso-8859-1\n"
			  "Content-Transfer-Encoding: quoted-printable\n\n"
			  "caf=E9\n"
			  "--b\nContent-Type: text/html\n\n<p>a&amp;b</p>\n"
			  "--b\nContent-Type: image/png\n\nxx\n--b--\n";
	char *s = mime_text_content(msg, strlen(msg), 1000);

	g_assert_cmpstr(s, ==, "café\na&b\n\n");
	free(s);
	s = mime_text_content(msg, strlen(msg), 3);
	g_assert_cmpuint(strlen(s), <=, 4);
	free(s);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mime_render/odd-input", test_odd_input);
	g_test_add_func("/mime_render/kinds", test_kinds);
	g_test_add_func("/mime_render/width", test_width);
	g_test_add_func("/mime_render/flowed-wrap", test_flowed_wrap);
	g_test_add_func("/mime_render/links", test_links);
	g_test_add_func("/mime_render/attachments", test_attachments);
	g_test_add_func("/mime_render/save", test_save);
	g_test_add_func("/mime_render/viewer", test_viewer);
	g_test_add_func("/mime_render/options", test_options);
	g_test_add_func("/mime_render/limits", test_limits);
	g_test_add_func("/mime_render/text-content", test_text_content);
	return g_test_run();
}
