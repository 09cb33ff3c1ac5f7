/*
 * test_maildir.c - Maildir names against the spec, and the Maildir
 * backend driven through the backend interface on a real event loop.
 */
#include "config.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "backend/backend.h"
#include "backend/maildir.h"
#include "store/store.h"
#include "model/summary.h"

static void
test_name_parse(void)
{
	static const struct {
		const char *name;
		int rc;
		size_t base_len;
		uint32_t flags;
		const char *extra;
		int has_info;
	} cases[] = {
		{ "", -1, 0, 0, "", 0 },
		{ ".hidden", -1, 0, 0, "", 0 },
		{ "a/b", -1, 0, 0, "", 0 },
		{ "123.abc.host", 0, 12, 0, "", 0 },
		{ "123.abc.host:2,", 0, 12, 0, "", 1 },
		{ "1.x:2,S", 0, 3, MSG_SEEN, "", 1 },
		{ "1.x:2,DFPRST", 0, 3,
		    MSG_DRAFT | MSG_FLAGGED | MSG_FORWARDED | MSG_ANSWERED |
			MSG_SEEN | MSG_DELETED,
		    "", 1 },
		{ "1.x:2,FSab", 0, 3, MSG_FLAGGED | MSG_SEEN, "ab", 1 },
		{ "1.x:2,SS", 0, 3, MSG_SEEN, "", 1 },
		{ "1.x:1,experimental", 0, 18, 0, "", 0 },
		{ "1.x,S=100,W=104:2,RS", 0, 15, MSG_ANSWERED | MSG_SEEN, "",
		    1 },
	};
	struct maildir_name mn;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		int rc = maildir_name_parse(cases[i].name, &mn);

		g_assert_cmpint(rc, ==, cases[i].rc);
		if (rc == -1)
			continue;
		g_assert_cmpuint(mn.base_len, ==, cases[i].base_len);
		g_assert_cmpuint(mn.flags, ==, cases[i].flags);
		g_assert_cmpstr(mn.extra, ==, cases[i].extra);
		g_assert_cmpint(mn.has_info, ==, cases[i].has_info);
	}
}

/* Flags come out in ASCII order, keywords kept, RECENT never written. */
static void
test_name_build(void)
{
	static const struct {
		const char *name;
		uint32_t flags;
		const char *want;
	} cases[] = {
		{ "1.x", MSG_SEEN, "1.x:2,S" },
		{ "1.x:2,S", 0, "1.x:2," },
		{ "1.x:2,Sa", MSG_SEEN | MSG_FLAGGED, "1.x:2,FSa" },
		{ "1.x:2,b", MSG_DELETED | MSG_DRAFT | MSG_ANSWERED,
		    "1.x:2,DRTb" },
		{ "1.x,S=5:2,S",
		    MSG_SEEN | MSG_FORWARDED | MSG_FLAGGED | MSG_DELETED,
		    "1.x,S=5:2,FPST" },
	};
	struct maildir_name mn;
	size_t i;
	char *got;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_assert_cmpint(maildir_name_parse(cases[i].name, &mn), ==, 0);
		got = maildir_name_build(cases[i].name, &mn, cases[i].flags);
		g_assert_cmpstr(got, ==, cases[i].want);
		free(got);
	}
}

static void
test_unique_and_folder_names(void)
{
	char *a = maildir_unique_name(), *b = maildir_unique_name();
	char pid[32];

	g_assert_cmpstr(a, !=, b);
	g_assert_null(strchr(a, '/'));
	g_assert_null(strchr(a, ':'));
	snprintf(pid, sizeof pid, "P%ld", (long)getpid());
	g_assert_nonnull(strstr(a, pid));
	free(a);
	free(b);

	g_assert_true(maildir_folder_name_ok("Sent"));
	g_assert_true(maildir_folder_name_ok("Work.Projects"));
	g_assert_false(maildir_folder_name_ok(""));
	g_assert_false(maildir_folder_name_ok(".x"));
	g_assert_false(maildir_folder_name_ok("a/b"));
	g_assert_false(maildir_folder_name_ok("a..b"));
	g_assert_false(maildir_folder_name_ok("x."));
}

/* ------------------------------------------------ backend on a loop */

struct ctx {
	struct event_base *base;
	int done;
	enum be_status st;
	char *msg;
	GPtrArray *summaries; /* struct summary * in delivery order */
	size_t batches;
	size_t state_total;
	GArray *uids;
	GArray *expunged;
	char *body;
	size_t body_len;
	GPtrArray *folders; /* "name total unseen special" */
	int in_call;
	int called_inside;
};

static void
ctx_reset(struct ctx *c)
{
	c->done = 0;
	c->st = BE_OK;
	g_free(c->msg);
	c->msg = NULL;
}

static void
run_until_done(struct ctx *c)
{
	while (!c->done)
		event_base_loop(c->base, EVLOOP_ONCE);
}

static void
done_cb(enum be_status st, const char *msg, void *arg)
{
	struct ctx *c = arg;

	if (c->in_call)
		c->called_inside = 1;
	c->st = st;
	c->msg = g_strdup(msg);
	c->done++;
}

static void
state_cb(const struct be_folder_state *st, void *arg)
{
	struct ctx *c = arg;

	c->state_total = st->total;
}

static void
batch_cb(
    const struct summary *s, size_t n, size_t done, size_t total, void *arg)
{
	struct ctx *c = arg;
	size_t i;

	g_assert_cmpuint(done, <=, total);
	c->batches++;
	for (i = 0; i < n; i++) {
		struct summary *copy = g_new0(struct summary, 1);

		summary_copy(copy, &s[i]);
		g_ptr_array_add(c->summaries, copy);
	}
}

static void
free_summary(gpointer p)
{
	summary_clear(p);
	g_free(p);
}

static void
folders_cb(enum be_status st, const char *msg, const struct be_folder *f,
    size_t n, void *arg)
{
	struct ctx *c = arg;
	size_t i;

	c->st = st;
	for (i = 0; i < n; i++)
		g_ptr_array_add(c->folders,
		    g_strdup_printf("%s %lld %lld %d", f[i].name,
			(long long)f[i].total, (long long)f[i].unseen,
			f[i].special));
	c->done++;
}

static void
body_cb(
    enum be_status st, const char *msg, const char *data, size_t len, void *arg)
{
	struct ctx *c = arg;

	c->st = st;
	g_free(c->body);
	c->body = data ? g_memdup2(data, len + 1) : NULL;
	c->body_len = len;
	c->done++;
}

static void
search_cb(enum be_status st, const char *msg, const uint32_t *uids, size_t n,
    void *arg)
{
	struct ctx *c = arg;

	c->st = st;
	g_array_set_size(c->uids, 0);
	if (n > 0)
		g_array_append_vals(c->uids, uids, n);
	c->done++;
}

static void
expunged_cb(const uint32_t *uids, size_t n, void *arg)
{
	struct ctx *c = arg;

	g_array_append_vals(c->expunged, uids, n);
}

/* Write a file, making directories as needed. */
static void
put(const char *dir, const char *name, const char *text)
{
	char *path = g_build_filename(dir, name, NULL);
	char *parent = g_path_get_dirname(path);

	g_assert_cmpint(g_mkdir_with_parents(parent, 0700), ==, 0);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	g_free(parent);
	g_free(path);
}

/* g_file_test on root/rel, freeing the path. */
static gboolean
path_test(const char *root, const char *rel, GFileTest test)
{
	char *p = g_build_filename(root, rel, NULL);
	gboolean ok = g_file_test(p, test);

	g_free(p);
	return ok;
}

/* mkdir -p root/rel, freeing the path. */
static int
path_mkdir(const char *root, const char *rel)
{
	char *p = g_build_filename(root, rel, NULL);
	int rc = g_mkdir_with_parents(p, 0700);

	g_free(p);
	return rc;
}

/* How many entries a directory has (not . and ..). */
static int
count_dir(const char *root, const char *sub)
{
	char *p = g_build_filename(root, sub, NULL);
	GDir *d = g_dir_open(p, 0, NULL);
	int n = 0;

	g_assert_nonnull(d);
	while (g_dir_read_name(d) != NULL)
		n++;
	g_dir_close(d);
	g_free(p);
	return n;
}

#define MSG(id, subj, body) \
	"From: Alice Example <alice@example.com>\n" \
	"To: bob@example.org\n" \
	"Subject: " subj "\n" \
	"Date: Mon, 01 Jan 2024 10:00:0" id " +0000\n" \
	"Message-ID: <" id "@example.com>\n" \
	"\n" body "\n"

static void
test_backend(void)
{
	char *root = g_dir_make_tmp("tern-md-XXXXXX", NULL), *err = NULL;
	struct ctx c = { 0 };
	struct be_events ev = { .expunged = expunged_cb, .arg = &c };
	struct be_open_cbs cbs = { state_cb, batch_cb, done_cb, &c };
	struct backend *be;
	struct summary *s;
	uint32_t uid;
	size_t i;

	c.base = event_base_new();
	event_base_priority_init(c.base, 3);
	c.summaries = g_ptr_array_new_with_free_func(free_summary);
	c.uids = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	c.expunged = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	c.folders = g_ptr_array_new_with_free_func(g_free);

	/* Not a Maildir yet: refused with the reason. */
	g_assert_null(maildir_backend_new(c.base, root, &ev, NULL, &err));
	g_assert_nonnull(strstr(err, "is not a Maildir"));
	free(err);

	put(root, "cur/1000.a.host:2,S", MSG("1", "first", "apples"));
	put(root, "cur/1001.b.host:2,",
	    MSG("2", "=?utf-8?q?zw=C3=B6lf?=", "Bananas"));
	put(root, "new/1002.c.host", MSG("3", "third", "cherries"));
	put(root, "cur/.hidden", "not a message");
	put(root, "tmp/1003.d.host", MSG("4", "in tmp", "never seen"));
	put(root, ".Sent/cur/999.s.host:2,S", MSG("5", "sent", "x"));
	g_assert_cmpint(path_mkdir(root, ".Sent/new"), ==, 0);
	g_assert_cmpint(path_mkdir(root, ".Sent/tmp"), ==, 0);
	g_assert_cmpint(path_mkdir(root, ".notmaildir"), ==, 0);

	be = maildir_backend_new(c.base, root, &ev, NULL, &err);
	g_assert_nonnull(be);

	/* Folders with counts; the callback never runs inside the call. */
	ctx_reset(&c);
	c.in_call = 1;
	be->ops->list_folders(be, folders_cb, &c);
	c.in_call = 0;
	run_until_done(&c);
	g_assert_false(c.called_inside);
	g_assert_cmpuint(c.folders->len, ==, 2);
	g_assert_cmpstr(c.folders->pdata[0], ==, "INBOX 3 2 1");
	g_assert_cmpstr(c.folders->pdata[1], ==, "Sent 1 0 3");

	/* Open: state, then summaries newest first, then done. */
	ctx_reset(&c);
	c.in_call = 1;
	be->ops->open_folder(be, "INBOX", &cbs);
	c.in_call = 0;
	run_until_done(&c);
	g_assert_false(c.called_inside);
	g_assert_cmpint(c.st, ==, BE_OK);
	g_assert_cmpuint(c.state_total, ==, 3);
	g_assert_cmpuint(c.summaries->len, ==, 3);
	s = c.summaries->pdata[0];
	g_assert_cmpuint(s->uid, ==, 3);
	g_assert_cmpstr(s->subject, ==, "third");
	g_assert_cmpuint(s->flags, ==, MSG_RECENT);
	s = c.summaries->pdata[1];
	g_assert_cmpuint(s->uid, ==, 2);
	g_assert_cmpstr(s->subject, ==, "zwölf");
	g_assert_cmpstr(s->from, ==, "Alice Example <alice@example.com>");
	g_assert_cmpstr(s->message_id, ==, "2@example.com");
	g_assert_cmpint(s->date, ==, 1704103202);
	s = c.summaries->pdata[2];
	g_assert_cmpuint(s->uid, ==, 1);
	g_assert_cmpuint(s->flags, ==, MSG_SEEN);
	g_assert_cmpuint(s->size, >, 100);

	/* Body. */
	ctx_reset(&c);
	be->ops->fetch_body(be, 2, body_cb, &c);
	run_until_done(&c);
	g_assert_cmpint(c.st, ==, BE_OK);
	g_assert_nonnull(strstr(c.body, "Bananas"));
	ctx_reset(&c);
	be->ops->fetch_body(be, 99, body_cb, &c);
	run_until_done(&c);
	g_assert_cmpint(c.st, ==, BE_NOT_FOUND);

	/* Flags: the new message moves to cur/ with its flags in the name. */
	ctx_reset(&c);
	uid = 3;
	be->ops->set_flags(be, &uid, 1, MSG_SEEN | MSG_FLAGGED, 0, done_cb, &c);
	run_until_done(&c);
	g_assert_cmpint(c.st, ==, BE_OK);
	g_assert_cmpint(count_dir(root, "new"), ==, 0);
	g_assert_true(
	    path_test(root, "cur/1002.c.host:2,FS", G_FILE_TEST_EXISTS));
	ctx_reset(&c);
	uid = 1;
	be->ops->set_flags(be, &uid, 1, MSG_DELETED, MSG_SEEN, done_cb, &c);
	run_until_done(&c);
	g_assert_true(
	    path_test(root, "cur/1000.a.host:2,T", G_FILE_TEST_EXISTS));

	/* Search bodies, case-insensitively. */
	ctx_reset(&c);
	be->ops->search_body(be, "BANANA", search_cb, &c);
	run_until_done(&c);
	g_assert_cmpuint(c.uids->len, ==, 1);
	g_assert_cmpuint(g_array_index(c.uids, uint32_t, 0), ==, 2);

	/* Expunge removes only what is marked deleted and reports it. */
	ctx_reset(&c);
	be->ops->expunge(be, done_cb, &c);
	run_until_done(&c);
	g_assert_cmpint(c.st, ==, BE_OK);
	g_assert_cmpuint(c.expunged->len, ==, 1);
	g_assert_cmpuint(g_array_index(c.expunged, uint32_t, 0), ==, 1);
	g_assert_cmpint(count_dir(root, "cur"), ==, 3); /* 2 + .hidden */

	/* Copy keeps the source; move removes it and reports it gone. */
	ctx_reset(&c);
	uid = 2;
	be->ops->copy(be, &uid, 1, "Sent", 0, done_cb, &c);
	run_until_done(&c);
	g_assert_cmpint(c.st, ==, BE_OK);
	g_assert_cmpint(count_dir(root, ".Sent/cur"), ==, 2);
	g_assert_cmpint(count_dir(root, ".Sent/tmp"), ==, 0);
	ctx_reset(&c);
	uid = 3;
	be->ops->copy(be, &uid, 1, "Sent", 1, done_cb, &c);
	run_until_done(&c);
	g_assert_cmpint(c.st, ==, BE_OK);
	g_assert_cmpint(count_dir(root, ".Sent/cur"), ==, 3);
	g_assert_cmpint(count_dir(root, "cur"), ==, 2);
	g_assert_cmpuint(c.expunged->len, ==, 2);
	ctx_reset(&c);
	be->ops->copy(be, &uid, 1, "Nowhere", 0, done_cb, &c);
	run_until_done(&c);
	g_assert_cmpint(c.st, ==, BE_NOT_FOUND);

	/* Folders: create, refuse a duplicate or a bad name, rename, delete. */
	ctx_reset(&c);
	be->ops->create_folder(be, "Work.Projects", done_cb, &c);
	run_until_done(&c);
	g_assert_cmpint(c.st, ==, BE_OK);
	g_assert_true(
	    path_test(root, ".Work.Projects/tmp", G_FILE_TEST_IS_DIR));
	ctx_reset(&c);
	be->ops->create_folder(be, "Work.Projects", done_cb, &c);
	run_until_done(&c);
	g_assert_cmpint(c.st, ==, BE_NO);
	ctx_reset(&c);
	be->ops->create_folder(be, "../escape", done_cb, &c);
	run_until_done(&c);
	g_assert_cmpint(c.st, ==, BE_NO);
	ctx_reset(&c);
	be->ops->rename_folder(be, "Work.Projects", "Old", done_cb, &c);
	run_until_done(&c);
	g_assert_cmpint(c.st, ==, BE_OK);
	g_assert_true(path_test(root, ".Old/cur", G_FILE_TEST_IS_DIR));
	ctx_reset(&c);
	be->ops->delete_folder(be, "Sent", done_cb, &c);
	run_until_done(&c);
	g_assert_cmpint(c.st, ==, BE_OK);
	g_assert_false(path_test(root, ".Sent", G_FILE_TEST_EXISTS));
	ctx_reset(&c);
	be->ops->delete_folder(be, "INBOX", done_cb, &c);
	run_until_done(&c);
	g_assert_cmpint(c.st, ==, BE_NO);

	/* Closing with work pending cancels it: the callback still fires. */
	ctx_reset(&c);
	g_ptr_array_set_size(c.summaries, 0);
	be->ops->open_folder(be, "INBOX", &cbs);
	be->ops->list_folders(be, folders_cb, &c);
	be->ops->close(be);
	g_assert_cmpint(c.done, ==, 2);
	g_assert_cmpint(c.st, ==, BE_CANCELED);

	for (i = 0; i < 3; i++)
		event_base_loop(c.base, EVLOOP_NONBLOCK);
	g_ptr_array_free(c.summaries, TRUE);
	g_ptr_array_free(c.folders, TRUE);
	g_array_free(c.uids, TRUE);
	g_array_free(c.expunged, TRUE);
	g_free(c.body);
	g_free(c.msg);
	event_base_free(c.base);
	{
		char *cmd = g_strdup_printf("rm -rf '%s'", root);

		g_assert_cmpint(system(cmd), ==, 0);
		g_free(cmd);
	}
	g_free(root);
}

/* Open INBOX on a fresh backend over root and store; returns it. */
static struct backend *
open_inbox(
    struct ctx *c, const char *root, struct be_events *ev, struct store *st)
{
	struct be_open_cbs cbs = { state_cb, batch_cb, done_cb, c };
	struct backend *be;
	char *err = NULL;

	be = maildir_backend_new(c->base, root, ev, st, &err);
	g_assert_nonnull(be);
	ctx_reset(c);
	g_ptr_array_set_size(c->summaries, 0);
	be->ops->open_folder(be, "INBOX", &cbs);
	run_until_done(c);
	g_assert_cmpint(c->st, ==, BE_OK);
	return be;
}

/* The subject delivered for uid, or NULL. */
static const char *
subject_of(struct ctx *c, uint32_t uid)
{
	guint i;

	for (i = 0; i < c->summaries->len; i++) {
		struct summary *s = c->summaries->pdata[i];

		if (s->uid == uid)
			return s->subject;
	}
	return NULL;
}

/*
 * With a store, UIDs survive a restart, summaries come from the cache
 * (a file changed behind tern's back keeps its cached subject until its
 * name changes), new files get new UIDs, and gone files leave the cache.
 */
static void
test_store_cache(void)
{
	char *root = g_dir_make_tmp("tern-mds-XXXXXX", NULL), *err = NULL;
	char *dbdir = g_dir_make_tmp("tern-mdsdb-XXXXXX", NULL);
	char *db = g_build_filename(dbdir, "s.db", NULL), *warning = NULL;
	struct ctx c = { 0 };
	struct be_events ev = { .expunged = expunged_cb, .arg = &c };
	struct backend *be;
	struct store *st;
	uint32_t uid, first_uid_of_b = 0;
	guint i;

	c.base = event_base_new();
	event_base_priority_init(c.base, 3);
	c.summaries = g_ptr_array_new_with_free_func(free_summary);
	c.uids = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	c.expunged = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	c.folders = g_ptr_array_new_with_free_func(g_free);
	put(root, "cur/1000.a.host:2,S", MSG("1", "alpha", "x"));
	put(root, "cur/1001.b.host:2,", MSG("2", "bravo", "x"));
	g_assert_cmpint(path_mkdir(root, "new"), ==, 0);
	g_assert_cmpint(path_mkdir(root, "tmp"), ==, 0);

	st = store_open(db, &warning, &err);
	g_assert_nonnull(st);
	be = open_inbox(&c, root, &ev, st);
	g_assert_cmpuint(c.summaries->len, ==, 2);
	for (i = 0; i < c.summaries->len; i++) {
		struct summary *s = c.summaries->pdata[i];

		if (g_strcmp0(s->subject, "bravo") == 0)
			first_uid_of_b = s->uid;
	}
	g_assert_cmpuint(first_uid_of_b, !=, 0);
	be->ops->close(be);
	store_close(st);

	/* Rewrite b's content in place; add a new file. */
	put(root, "cur/1001.b.host:2,", MSG("2", "changed", "x"));
	put(root, "new/1002.c.host", MSG("3", "charlie", "x"));
	st = store_open(db, &warning, &err);
	be = open_inbox(&c, root, &ev, st);
	g_assert_cmpuint(c.summaries->len, ==, 3);
	g_assert_cmpstr(subject_of(&c, first_uid_of_b), ==, "bravo");
	/* The new file came first (newest) and has the next UID. */
	g_assert_cmpstr(
	    ((struct summary *)c.summaries->pdata[0])->subject, ==, "charlie");
	g_assert_cmpuint(
	    ((struct summary *)c.summaries->pdata[0])->uid, >, first_uid_of_b);

	/* Expunge b: it leaves the store too. */
	ctx_reset(&c);
	uid = first_uid_of_b;
	be->ops->set_flags(be, &uid, 1, MSG_DELETED, 0, done_cb, &c);
	run_until_done(&c);
	ctx_reset(&c);
	be->ops->expunge(be, done_cb, &c);
	run_until_done(&c);
	g_assert_cmpint(c.st, ==, BE_OK);
	be->ops->close(be);
	be = open_inbox(&c, root, &ev, st);
	g_assert_cmpuint(c.summaries->len, ==, 2);
	g_assert_null(subject_of(&c, first_uid_of_b));
	be->ops->close(be);
	store_close(st);

	for (i = 0; i < 3; i++)
		event_base_loop(c.base, EVLOOP_NONBLOCK);
	g_ptr_array_free(c.summaries, TRUE);
	g_ptr_array_free(c.folders, TRUE);
	g_array_free(c.uids, TRUE);
	g_array_free(c.expunged, TRUE);
	g_free(c.msg);
	event_base_free(c.base);
	{
		char *cmd = g_strdup_printf("rm -rf '%s' '%s'", root, dbdir);

		g_assert_cmpint(system(cmd), ==, 0);
		g_free(cmd);
	}
	g_free(db);
	g_free(root);
	g_free(dbdir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/maildir/name-parse", test_name_parse);
	g_test_add_func("/maildir/name-build", test_name_build);
	g_test_add_func(
	    "/maildir/unique-and-folder-names", test_unique_and_folder_names);
	g_test_add_func("/maildir/backend", test_backend);
	g_test_add_func("/maildir/store-cache", test_store_cache);
	return g_test_run();
}
