/*
 * maildir.c - the local Maildir (Maildir++) backend.
 *
 * A folder is opened by listing cur/ and new/, ordering the files by
 * arrival (the time at the front of the name, then the name) and giving
 * them UIDs in that order, then reading each file's headers.  Reading is
 * cut into slices, one per loop turn, so a folder of 100,000 messages
 * never holds up a key press; summaries go out newest first.
 *
 * Flag changes rename the file (moving it from new/ to cur/), expunge
 * unlinks the files marked T, and copies go through the destination's
 * tmp/ with an fsync before the rename, as the Maildir rules ask, so no
 * other reader ever sees half a message.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <glib.h>

#include "backend/backend.h"
#include "message/headers.h"
#include "log.h"
#include "backend/maildir.h"
#include "store/store.h"
#include "message/mime_render.h"
#include "model/summary.h"
#include "xmalloc.h"

#define MAILDIR_SLICE 400 /* files read per loop turn */
#define MAILDIR_MAX_MESSAGE (512u * 1024 * 1024)
#define MAILDIR_HEAD_READ 16384 /* first read of a header block */
#define MAILDIR_SEARCH_MAX (4u * 1024 * 1024) /* text searched per message */

/* One message file of the open folder. */
struct md_msg {
	char *name; /* file name in cur/ or new/ */
	uint32_t uid;
	uint32_t flags;
	unsigned in_new : 1;
	unsigned gone : 1;
	unsigned cached : 1; /* the store has its summary */
};

/* A piece of work done in slices on the loop (open, search). */
struct md_job {
	struct maildir *md;
	struct event *ev;
	int (*step)(struct md_job *job); /* 1 when finished */
	void (*cancel)(struct md_job *job);
	size_t pos;
	/* open */
	struct be_open_cbs cbs;
	int phase; /* 0: files not cached yet, 1: the cache */
	uint32_t below; /* phase 1: the next batch is below this uid */
	size_t delivered;
	/* search */
	char *needle;
	GArray *hits;
	be_search_cb search_cb;
	void *search_arg;
	struct md_job *next;
};

/* A finished operation whose callback waits for the next loop turn. */
struct md_done {
	struct maildir *md;
	enum be_status st;
	char *msg;
	be_done_cb cb;
	be_folders_cb folders_cb;
	be_body_cb body_cb;
	struct be_folder *folders;
	size_t nfolders;
	char *data;
	size_t len;
	void *arg;
	struct event *ev;
	struct md_done *next;
};

struct maildir {
	struct backend be;
	char *root;
	char *folder; /* open folder's name, NULL if none */
	char *dir; /* open folder's directory */
	struct md_msg *msgs; /* sorted by uid */
	size_t nmsgs;
	GHashTable *by_uid; /* uid -> index + 1 */
	struct md_job *jobs;
	struct md_done *dones;
	struct store *store; /* borrowed, may be NULL */
	int64_t fid; /* the open folder in the store, 0: none */
	uint32_t uidvalidity;
};

/* ------------------------------------------------------------ names */

static const struct {
	char letter;
	uint32_t flag;
} maildir_letters[] = {
	{ 'D', MSG_DRAFT },
	{ 'F', MSG_FLAGGED },
	{ 'P', MSG_FORWARDED },
	{ 'R', MSG_ANSWERED },
	{ 'S', MSG_SEEN },
	{ 'T', MSG_DELETED },
};

/*
 * Take a file name apart.  Returns -1 for a name that is not a message
 * (empty, hidden, or with a path separator).
 */
int
maildir_name_parse(const char *name, struct maildir_name *out)
{
	const char *info = strstr(name, ":2,"), *p;
	size_t i, nx = 0;

	memset(out, 0, sizeof *out);
	if (name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL)
		return -1;
	if (info == NULL) {
		/* ":1," and other experimental info stay part of the base */
		out->base_len = strlen(name);
		return 0;
	}
	out->base_len = info - name;
	out->has_info = 1;
	for (p = info + 3; *p != '\0'; p++) {
		for (i = 0; i < G_N_ELEMENTS(maildir_letters); i++)
			if (*p == maildir_letters[i].letter)
				break;
		if (i < G_N_ELEMENTS(maildir_letters))
			out->flags |= maildir_letters[i].flag;
		else if (g_ascii_isalpha(*p) && nx + 1 < sizeof out->extra &&
		    strchr(out->extra, *p) == NULL)
			out->extra[nx++] = *p;
	}
	return 0;
}

/*
 * The name a file should have with flags: the same base, ":2," and the
 * letters (ours and the kept keywords) in ASCII order.
 */
char *
maildir_name_build(
    const char *name, const struct maildir_name *parts, uint32_t flags)
{
	char letters[64];
	size_t n = 0, i;
	int c;

	/* ASCII order: every upper-case letter sorts before lower case. */
	for (c = 'A'; c <= 'z'; c++) {
		for (i = 0; i < G_N_ELEMENTS(maildir_letters); i++)
			if (maildir_letters[i].letter == c &&
			    (flags & maildir_letters[i].flag))
				letters[n++] = c;
		if (strchr(parts->extra, c) != NULL)
			letters[n++] = c;
	}
	letters[n] = '\0';
	return xasprintf("%.*s:2,%s", (int)parts->base_len, name, letters);
}

/* A new unique base name: time, microseconds, pid, counter and host. */
char *
maildir_unique_name(void)
{
	static unsigned counter;
	struct timeval tv;
	char host[256], safe[1024];
	size_t i, n = 0;

	gettimeofday(&tv, NULL);
	if (gethostname(host, sizeof host) == -1)
		strcpy(host, "localhost");
	host[sizeof host - 1] = '\0';
	/* '/' and ':' cannot appear in the host part (Maildir rules). */
	for (i = 0; host[i] != '\0' && n + 5 < sizeof safe; i++) {
		if (host[i] == '/')
			n += snprintf(safe + n, sizeof safe - n, "\\057");
		else if (host[i] == ':')
			n += snprintf(safe + n, sizeof safe - n, "\\072");
		else
			safe[n++] = host[i];
	}
	safe[n] = '\0';
	return xasprintf("%lld.M%ldP%ldQ%u.%s", (long long)tv.tv_sec,
	    (long)tv.tv_usec, (long)getpid(), ++counter, safe);
}

/* A folder name we can turn into a ".Name" directory safely. */
int
maildir_folder_name_ok(const char *name)
{
	if (name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL ||
	    strstr(name, "..") != NULL || name[strlen(name) - 1] == '.')
		return 0;
	return strlen(name) < 200;
}

/* --------------------------------------------------------- helpers */

/* The directory of a folder: the root for the Inbox, else root/.Name. */
static char *
maildir_folder_dir(struct maildir *md, const char *folder)
{
	if (g_ascii_strcasecmp(folder, "INBOX") == 0)
		return xstrdup(md->root);
	return xasprintf("%s/.%s", md->root, folder);
}

/* True if dir/cur exists: dir is a Maildir. */
int
maildir_is_maildir(const char *dir)
{
	char *cur = xasprintf("%s/cur", dir);
	struct stat st;
	int ok = stat(cur, &st) == 0 && S_ISDIR(st.st_mode);

	free(cur);
	return ok;
}

/* Make dir with cur/, new/ and tmp/. */
static int
maildir_make(const char *dir, char **err)
{
	static const char *const subs[] = { "", "/cur", "/new", "/tmp" };
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(subs); i++) {
		char *p = xasprintf("%s%s", dir, subs[i]);

		if (mkdir(p, 0700) == -1 && errno != EEXIST) {
			*err = xasprintf(
			    "cannot create %s: %s", p, strerror(errno));
			free(p);
			return -1;
		}
		free(p);
	}
	return 0;
}

/* Create a Maildir at root (and its parents) if it does not exist. */
int
maildir_create(const char *root, char **err)
{
	if (g_mkdir_with_parents(root, 0700) == -1) {
		*err = xasprintf("cannot create %s: %s", root, strerror(errno));
		return -1;
	}
	return maildir_make(root, err);
}

/* fsync a directory so a rename in it is on disk. */
static int
maildir_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* The path of a message of the open folder. */
static char *
maildir_msg_path(struct maildir *md, const struct md_msg *m)
{
	return xasprintf(
	    "%s/%s/%s", md->dir, m->in_new ? "new" : "cur", m->name);
}

/* The message with uid in the open folder, or NULL. */
static struct md_msg *
maildir_msg(struct maildir *md, uint32_t uid)
{
	gpointer v;

	if (md->by_uid == NULL)
		return NULL;
	v = g_hash_table_lookup(md->by_uid, GUINT_TO_POINTER(uid));
	if (v == NULL || md->msgs[GPOINTER_TO_UINT(v) - 1].gone)
		return NULL;
	return &md->msgs[GPOINTER_TO_UINT(v) - 1];
}

/* Forget the open folder. */
static void
maildir_close_folder(struct maildir *md)
{
	size_t i;

	for (i = 0; i < md->nmsgs; i++)
		free(md->msgs[i].name);
	free(md->msgs);
	md->msgs = NULL;
	md->nmsgs = 0;
	if (md->by_uid != NULL)
		g_hash_table_destroy(md->by_uid);
	md->by_uid = NULL;
	free(md->folder);
	free(md->dir);
	md->folder = md->dir = NULL;
}

/* ------------------------------------------------ deferred completion */

/* Run a finished operation's callback, then free it. */
static void
maildir_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct md_done *d = arg, **pp;
	struct maildir *md = d->md;

	for (pp = &md->dones; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	}
	if (d->cb != NULL)
		d->cb(d->st, d->msg, d->arg);
	else if (d->folders_cb != NULL)
		d->folders_cb(d->st, d->msg, d->folders, d->nfolders, d->arg);
	else if (d->body_cb != NULL)
		d->body_cb(d->st, d->msg, d->data, d->len, d->arg);
	event_free(d->ev);
	if (d->folders != NULL) {
		size_t i;

		for (i = 0; i < d->nfolders; i++)
			free((char *)d->folders[i].name);
		free(d->folders);
	}
	free(d->data);
	free(d->msg);
	free(d);
}

/* Queue a completion for the next loop turn; msg is taken over. */
static struct md_done *
maildir_finish(struct maildir *md, enum be_status st, char *msg)
{
	struct md_done *d = xcalloc(1, sizeof *d);

	d->md = md;
	d->st = st;
	d->msg = msg;
	d->ev = event_new(md->be.base, -1, 0, maildir_done_cb, d);
	event_active(d->ev, EV_TIMEOUT, 1);
	d->next = md->dones;
	md->dones = d;
	return d;
}

/* Finish a plain operation. */
static void
maildir_finish_done(
    struct maildir *md, enum be_status st, char *msg, be_done_cb cb, void *arg)
{
	struct md_done *d = maildir_finish(md, st, msg);

	d->cb = cb;
	d->arg = arg;
}

/* ------------------------------------------------------ slice jobs */

static void maildir_job_drop(struct maildir *md, struct md_job *job);

/* Run one slice of a job; free it when it is finished. */
static void
maildir_job_cb(evutil_socket_t fd, short what, void *arg)
{
	struct md_job *job = arg;

	if (!job->step(job)) {
		event_active(job->ev, EV_TIMEOUT, 1);
		return;
	}
	maildir_job_drop(job->md, job);
}

/* Start a job; its first slice runs on the next loop turn. */
static struct md_job *
maildir_job_start(struct maildir *md, int (*step)(struct md_job *),
    void (*cancel)(struct md_job *))
{
	struct md_job *job = xcalloc(1, sizeof *job);

	job->md = md;
	job->step = step;
	job->cancel = cancel;
	job->ev = event_new(md->be.base, -1, 0, maildir_job_cb, job);
	event_priority_set(job->ev, 1);
	event_active(job->ev, EV_TIMEOUT, 1);
	job->next = md->jobs;
	md->jobs = job;
	return job;
}

/* ------------------------------------------------------ operations */

/* Count a folder's messages and unseen ones from its file names. */
static void
maildir_count(const char *dir, int64_t *total, int64_t *unseen)
{
	static const char *const subs[] = { "cur", "new" };
	struct maildir_name mn;
	struct dirent *de;
	size_t i;
	DIR *d;

	*total = *unseen = 0;
	for (i = 0; i < 2; i++) {
		char *p = xasprintf("%s/%s", dir, subs[i]);

		if ((d = opendir(p)) != NULL) {
			while ((de = readdir(d)) != NULL) {
				if (maildir_name_parse(de->d_name, &mn) == -1)
					continue;
				(*total)++;
				if (!(mn.flags & MSG_SEEN))
					(*unseen)++;
			}
			closedir(d);
		}
		free(p);
	}
}

/* Guess a folder's special use from its name, as Maildir has no flags. */
static enum be_special
maildir_special(const char *name)
{
	static const struct {
		const char *name;
		enum be_special special;
	} names[] = {
		{ "INBOX", BE_SPECIAL_INBOX },
		{ "Drafts", BE_SPECIAL_DRAFTS },
		{ "Sent", BE_SPECIAL_SENT },
		{ "Trash", BE_SPECIAL_TRASH },
		{ "Junk", BE_SPECIAL_JUNK },
		{ "Spam", BE_SPECIAL_JUNK },
		{ "Archive", BE_SPECIAL_ARCHIVE },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(names); i++)
		if (g_ascii_strcasecmp(name, names[i].name) == 0)
			return names[i].special;
	return BE_SPECIAL_NONE;
}

/* Order folders: the Inbox first, then by name. */
static int
maildir_folder_cmp(const void *a, const void *b)
{
	const struct be_folder *fa = a, *fb = b;

	if (fa->special == BE_SPECIAL_INBOX && fb->special == BE_SPECIAL_INBOX)
		return 0;
	if (fa->special == BE_SPECIAL_INBOX)
		return -1;
	if (fb->special == BE_SPECIAL_INBOX)
		return 1;
	return strcmp(fa->name, fb->name);
}

/* Append a folder named name (taken over) if dir is a Maildir. */
static void
maildir_add_folder(struct maildir *md, struct be_folder **f, size_t *n,
    size_t *alloc, char *name)
{
	char *dir = maildir_folder_dir(md, name);

	if (!maildir_is_maildir(dir)) {
		free(dir);
		free(name);
		return;
	}
	if (*n == *alloc) {
		*alloc = *alloc ? *alloc * 2 : 16;
		*f = xreallocarray(*f, *alloc, sizeof **f);
	}
	(*f)[*n].name = name;
	(*f)[*n].delim = '.';
	(*f)[*n].special = maildir_special(name);
	(*f)[*n].selectable = 1;
	maildir_count(dir, &(*f)[*n].total, &(*f)[*n].unseen);
	(*n)++;
	free(dir);
}

/* List the Inbox and every .Name folder with counts. */
static void
maildir_list_folders(struct backend *be, be_folders_cb cb, void *arg)
{
	struct maildir *md = (struct maildir *)be;
	struct be_folder *f = NULL;
	struct md_done *done;
	struct dirent *de;
	size_t n = 0, alloc = 0;
	DIR *d;

	if ((d = opendir(md->root)) == NULL) {
		done = maildir_finish(md, BE_NOT_FOUND,
		    xasprintf("cannot read %s: %s", md->root, strerror(errno)));
		done->folders_cb = cb;
		done->arg = arg;
		return;
	}
	maildir_add_folder(md, &f, &n, &alloc, xstrdup("INBOX"));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' &&
		    maildir_folder_name_ok(de->d_name + 1))
			maildir_add_folder(
			    md, &f, &n, &alloc, xstrdup(de->d_name + 1));
	}
	closedir(d);
	if (n > 1)
		qsort(f, n, sizeof *f, maildir_folder_cmp);
	done = maildir_finish(md, BE_OK, NULL);
	done->folders_cb = cb;
	done->folders = f;
	done->nfolders = n;
	done->arg = arg;
}

/* Arrival order: the delivery time at the front of the name, then it. */
static int
maildir_msg_cmp(const void *a, const void *b)
{
	const struct md_msg *ma = a, *mb = b;
	unsigned long long ta = strtoull(ma->name, NULL, 10);
	unsigned long long tb = strtoull(mb->name, NULL, 10);

	if (ta != tb)
		return ta < tb ? -1 : 1;
	return strcmp(ma->name, mb->name);
}

/* Order by uid. */
static int
maildir_uid_cmp(const void *a, const void *b)
{
	const struct md_msg *ma = a, *mb = b;

	return ma->uid < mb->uid ? -1 : ma->uid > mb->uid;
}

/*
 * Give the scanned files their UIDs from the store (stable across runs:
 * the file's base name maps to its UID), mark those whose summary is
 * cached, and forget cached messages whose files are gone.  md->msgs is
 * in arrival order on entry and in UID order on return.
 */
static int
maildir_store_uids(struct maildir *md)
{
	struct store_folder f;
	const char **keys;
	uint32_t *uids, *cached = NULL;
	GArray *stale;
	size_t i, ncached = 0;
	char *err = NULL;
	int rc = -1;

	if (store_folder_get_or_create(md->store, md->folder, &md->fid, &err) ==
	    -1)
		goto out;
	keys = xcalloc(md->nmsgs ? md->nmsgs : 1, sizeof *keys);
	uids = xcalloc(md->nmsgs ? md->nmsgs : 1, sizeof *uids);
	for (i = 0; i < md->nmsgs; i++) {
		struct maildir_name mn;

		/* The key is the base name: it survives flag changes. */
		maildir_name_parse(md->msgs[i].name, &mn);
		keys[i] = xstrndup(md->msgs[i].name, mn.base_len);
	}
	rc = store_maildir_assign(
	    md->store, md->fid, keys, md->nmsgs, uids, &err);
	for (i = 0; i < md->nmsgs; i++) {
		if (rc == 0)
			md->msgs[i].uid = uids[i];
		free((char *)keys[i]);
	}
	free(keys);
	free(uids);
	if (rc == -1)
		goto out;
	if (md->nmsgs > 1)
		qsort(md->msgs, md->nmsgs, sizeof *md->msgs, maildir_uid_cmp);
	if (store_folder_get(md->store, md->fid, &f, &err) == 1) {
		md->uidvalidity = f.uidvalidity;
		store_folder_clear(&f);
	}
	if (store_summary_uids(md->store, md->fid, &cached, &ncached, &err) ==
	    -1)
		goto out;
	stale = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	for (i = 0; i < ncached; i++) {
		struct md_msg key = { .uid = cached[i] };
		struct md_msg *m = md->nmsgs == 0
		    ? NULL
		    : bsearch(&key, md->msgs, md->nmsgs, sizeof *md->msgs,
			  maildir_uid_cmp);

		if (m != NULL)
			m->cached = 1;
		else
			g_array_append_val(stale, cached[i]);
	}
	if (stale->len > 0)
		store_remove_uids(md->store, md->fid,
		    (uint32_t *)(void *)stale->data, stale->len, &err);
	g_array_free(stale, TRUE);
	rc = 0;
out:
	if (err != NULL)
		log_warn("%s: the store cannot help: %s", md->folder, err);
	free(err);
	free(cached);
	return rc;
}

/* List cur/ and new/ into md->msgs; -1 with *err if cur/ is unreadable. */
static int
maildir_scan(struct maildir *md, char **err)
{
	static const char *const subs[] = { "cur", "new" };
	struct maildir_name mn;
	struct dirent *de;
	size_t alloc = 0, i;
	DIR *d;

	for (i = 0; i < 2; i++) {
		char *p = xasprintf("%s/%s", md->dir, subs[i]);

		if ((d = opendir(p)) == NULL) {
			*err =
			    xasprintf("cannot read %s: %s", p, strerror(errno));
			free(p);
			return -1;
		}
		free(p);
		while ((de = readdir(d)) != NULL) {
			if (maildir_name_parse(de->d_name, &mn) == -1)
				continue;
			if (md->nmsgs == alloc) {
				alloc = alloc ? alloc * 2 : 1024;
				md->msgs = xreallocarray(
				    md->msgs, alloc, sizeof *md->msgs);
			}
			md->msgs[md->nmsgs] = (struct md_msg){
				.name = xstrdup(de->d_name),
				.flags = mn.flags | (i == 1 ? MSG_RECENT : 0),
				.in_new = i == 1,
			};
			md->nmsgs++;
		}
		closedir(d);
	}
	if (md->nmsgs > 1)
		qsort(md->msgs, md->nmsgs, sizeof *md->msgs, maildir_msg_cmp);
	for (i = 0; i < md->nmsgs; i++)
		md->msgs[i].uid = i + 1;
	md->uidvalidity = 1;
	if (md->store != NULL && maildir_store_uids(md) == -1)
		md->fid = 0; /* go on without the cache */
	md->by_uid = g_hash_table_new(NULL, NULL);
	for (i = 0; i < md->nmsgs; i++)
		g_hash_table_insert(md->by_uid,
		    GUINT_TO_POINTER(md->msgs[i].uid), GUINT_TO_POINTER(i + 1));
	return 0;
}

/* Read a message file's header block and stat; -1 if it is gone. */
static int
maildir_read_summary(struct maildir *md, struct md_msg *m, struct summary *s)
{
	char *path = maildir_msg_path(md, m), *buf;
	size_t len = 0, want = MAILDIR_HEAD_READ, hl;
	struct stat st;
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd == -1 || fstat(fd, &st) == -1) {
		if (fd != -1)
			close(fd);
		return -1;
	}
	buf = xmalloc(HEADERS_MAX);
	for (;;) {
		r = read(fd, buf + len, want - len);
		if (r <= 0)
			break;
		len += r;
		hl = headers_length(buf, len);
		if (hl < len || len < want || want == HEADERS_MAX)
			break;
		want = want * 4 < HEADERS_MAX ? want * 4 : HEADERS_MAX;
	}
	close(fd);
	memset(s, 0, sizeof *s);
	headers_parse(buf, len, s);
	free(buf);
	s->uid = m->uid;
	s->flags = m->flags;
	s->size = st.st_size;
	s->arrival = st.st_mtime;
	if (s->date == 0)
		s->date = s->arrival;
	s->key = xstrdup(m->name);
	return 0;
}

/* Hand a batch to the opener and count it. */
static void
maildir_deliver(struct md_job *job, struct summary *batch, size_t n)
{
	job->delivered += n;
	if (n > 0 && job->cbs.batch != NULL)
		job->cbs.batch(
		    batch, n, job->delivered, job->md->nmsgs, job->cbs.arg);
}

/*
 * Phase 0: read the files the store has no summary for, newest first,
 * and remember them in the store.  Returns 1 when none is left.
 */
static int
maildir_open_files(struct md_job *job)
{
	struct maildir *md = job->md;
	struct summary *batch;
	size_t n = 0, i;
	char *err = NULL;

	batch = xcalloc(MAILDIR_SLICE, sizeof *batch);
	while (n < MAILDIR_SLICE && job->pos < md->nmsgs) {
		struct md_msg *m = &md->msgs[md->nmsgs - 1 - job->pos++];

		if (m->cached)
			continue;
		if (maildir_read_summary(md, m, &batch[n]) == -1) {
			m->gone = 1; /* renamed or removed meanwhile */
			continue;
		}
		n++;
	}
	if (n > 0 && md->fid != 0 &&
	    store_put_summaries(md->store, md->fid, batch, n, &err) == -1) {
		log_warn("%s: cannot cache summaries: %s", md->folder, err);
		free(err);
	}
	maildir_deliver(job, batch, n);
	for (i = 0; i < n; i++)
		summary_clear(&batch[i]);
	free(batch);
	return job->pos >= md->nmsgs;
}

/* A batch of cached summaries: today's flags and names, then out. */
static int
maildir_cached_cb(struct summary *arr, size_t n, void *ctx)
{
	struct md_job *job = ctx;
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		struct md_msg *m = maildir_msg(job->md, arr[i].uid);

		job->below = arr[i].uid;
		if (m == NULL || !m->cached)
			continue; /* gone, or read from its file above */
		if (k != i) {
			summary_clear(&arr[k]);
			arr[k] = arr[i];
			memset(&arr[i], 0, sizeof arr[i]);
		}
		arr[k].flags = m->flags; /* the file name is the truth */
		free(arr[k].key);
		arr[k].key = xstrdup(m->name);
		k++;
	}
	maildir_deliver(job, arr, k);
	return 1; /* one batch per slice */
}

/*
 * One slice of opening: first the files the store does not know, then
 * the store's summaries, both newest first.
 */
static int
maildir_open_step(struct md_job *job)
{
	struct maildir *md = job->md;
	char *err = NULL;
	int rc;

	if (job->phase == 0) {
		if (!maildir_open_files(job))
			return 0;
		job->phase = 1;
		if (md->fid == 0)
			goto done;
		return 0;
	}
	rc = store_load_summaries(md->store, md->fid, job->below,
	    MAILDIR_SLICE * 5, maildir_cached_cb, job, &err);
	if (rc == -1) {
		job->cbs.done(BE_LOCAL, err, job->cbs.arg);
		free(err);
		return 1;
	}
	if (rc == 1)
		return 0; /* more batches */
done:
	job->cbs.done(BE_OK, NULL, job->cbs.arg);
	return 1;
}

/* Tell an open that it was canceled. */
static void
maildir_open_cancel(struct md_job *job)
{
	job->cbs.done(BE_CANCELED, "canceled", job->cbs.arg);
}

/* Drop a running job without running its callbacks again. */
static void
maildir_job_drop(struct maildir *md, struct md_job *job)
{
	struct md_job **pp;

	for (pp = &md->jobs; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == job) {
			*pp = job->next;
			break;
		}
	}
	event_free(job->ev);
	free(job->needle);
	if (job->hits != NULL)
		g_array_free(job->hits, TRUE);
	free(job);
}

/* Cancel every running job of one kind (step), or all (NULL). */
static void
maildir_cancel_jobs(struct maildir *md, int (*step)(struct md_job *))
{
	struct md_job *job, *next;

	for (job = md->jobs; job != NULL; job = next) {
		next = job->next;
		if (step != NULL && job->step != step)
			continue;
		job->cancel(job);
		maildir_job_drop(md, job);
	}
}

/* Open a folder: list it now, read its summaries in slices. */
static void
maildir_open_folder(
    struct backend *be, const char *folder, const struct be_open_cbs *cbs)
{
	struct maildir *md = (struct maildir *)be;
	struct be_folder_state st = { 0 };
	struct md_job *job;
	char *dir, *err = NULL;

	maildir_cancel_jobs(md, NULL); /* an open replaces the folder */
	maildir_close_folder(md);
	dir = maildir_folder_dir(md, folder);
	if (!maildir_is_maildir(dir)) {
		maildir_finish_done(md, BE_NOT_FOUND,
		    xasprintf("no folder %s "
			      "(%s is not a Maildir)",
			folder, dir),
		    cbs->done, cbs->arg);
		free(dir);
		return;
	}
	md->folder = xstrdup(folder);
	md->dir = dir;
	if (maildir_scan(md, &err) == -1) {
		maildir_close_folder(md);
		maildir_finish_done(md, BE_LOCAL, err, cbs->done, cbs->arg);
		return;
	}
	job = maildir_job_start(md, maildir_open_step, maildir_open_cancel);
	job->cbs = *cbs;
	st.uidvalidity = md->uidvalidity;
	st.uidnext = md->nmsgs + 1;
	st.total = md->nmsgs;
	if (cbs->state != NULL)
		cbs->state(&st, cbs->arg);
}

/* Read a whole message. */
static void
maildir_fetch_body(struct backend *be, uint32_t uid, be_body_cb cb, void *arg)
{
	struct maildir *md = (struct maildir *)be;
	struct md_msg *m = maildir_msg(md, uid);
	struct md_done *d;
	GError *gerr = NULL;
	gchar *data = NULL;
	gsize len = 0;
	char *path;

	if (m == NULL) {
		d = maildir_finish(
		    md, BE_NOT_FOUND, xasprintf("no message with uid %u", uid));
	} else {
		path = maildir_msg_path(md, m);
		if (!g_file_get_contents(path, &data, &len, &gerr)) {
			d = maildir_finish(
			    md, BE_LOCAL, xstrdup(gerr->message));
			g_error_free(gerr);
		} else if (len > MAILDIR_MAX_MESSAGE) {
			d = maildir_finish(md, BE_LOCAL,
			    xasprintf("%s is "
				      "larger than %u bytes",
				path, MAILDIR_MAX_MESSAGE));
			g_free(data);
			data = NULL;
		} else {
			d = maildir_finish(md, BE_OK, NULL);
			d->data = xmalloc(len + 1);
			memcpy(d->data, data, len);
			d->data[len] = '\0';
			d->len = len;
			g_free(data);
		}
		free(path);
	}
	d->body_cb = cb;
	d->arg = arg;
}

/* Give one message new flags by renaming it (into cur/). */
static int
maildir_rename_flags(
    struct maildir *md, struct md_msg *m, uint32_t flags, char **err)
{
	struct maildir_name mn;
	char *old, *name, *newp;

	maildir_name_parse(m->name, &mn);
	name = maildir_name_build(m->name, &mn, flags & ~MSG_RECENT);
	old = maildir_msg_path(md, m);
	newp = xasprintf("%s/cur/%s", md->dir, name);
	if (strcmp(old, newp) != 0 && rename(old, newp) == -1) {
		*err = xasprintf("cannot rename %s: %s", old, strerror(errno));
		free(old);
		free(newp);
		free(name);
		return -1;
	}
	free(old);
	free(newp);
	free(m->name);
	m->name = name;
	m->in_new = 0;
	m->flags = flags;
	return 0;
}

/* Add and remove flags on messages. */
static void
maildir_set_flags(struct backend *be, const uint32_t *uids, size_t n,
    uint32_t add, uint32_t remove, be_done_cb cb, void *arg)
{
	struct maildir *md = (struct maildir *)be;
	char *err = NULL;
	size_t i;

	for (i = 0; i < n && err == NULL; i++) {
		struct md_msg *m = maildir_msg(md, uids[i]);

		if (m == NULL) {
			err = xasprintf("no message with uid %u", uids[i]);
			break;
		}
		if (maildir_rename_flags(
			md, m, (m->flags | add) & ~remove, &err) == 0 &&
		    md->fid != 0) {
			char *serr = NULL;

			if (store_set_flags(md->store, md->fid, m->uid,
				m->flags & ~MSG_RECENT, 0, &serr) == -1) {
				log_warn("%s: %s", md->folder, serr);
				free(serr);
			}
		}
	}
	maildir_finish_done(md, err ? BE_LOCAL : BE_OK, err, cb, arg);
}

/* Tell the owner (and the store) which uids are gone. */
static void
maildir_report_gone(struct maildir *md, GArray *gone)
{
	char *err = NULL;
	guint i;

	if (gone->len > 0 && md->fid != 0) {
		if (store_remove_uids(md->store, md->fid,
			(uint32_t *)(void *)gone->data, gone->len,
			&err) == -1) {
			log_warn("%s: %s", md->folder, err);
			free(err);
			err = NULL;
		}
		for (i = 0; i < gone->len; i++) {
			char *key = NULL;

			if (store_maildir_key(md->store, md->fid,
				g_array_index(gone, uint32_t, i), &key,
				&err) == 1)
				store_maildir_remove(
				    md->store, md->fid, key, &err);
			free(key);
			free(err);
			err = NULL;
		}
	}
	if (gone->len > 0 && md->be.events != NULL &&
	    md->be.events->expunged != NULL)
		md->be.events->expunged((uint32_t *)(void *)gone->data,
		    gone->len, md->be.events->arg);
}

/* Remove every message marked deleted. */
static void
maildir_expunge(struct backend *be, be_done_cb cb, void *arg)
{
	struct maildir *md = (struct maildir *)be;
	GArray *gone = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	char *err = NULL;
	size_t i;

	for (i = 0; i < md->nmsgs; i++) {
		struct md_msg *m = &md->msgs[i];
		char *path;

		if (m->gone || !(m->flags & MSG_DELETED))
			continue;
		path = maildir_msg_path(md, m);
		if (unlink(path) == -1 && errno != ENOENT && err == NULL)
			err = xasprintf(
			    "cannot remove %s: %s", path, strerror(errno));
		else {
			m->gone = 1;
			g_array_append_val(gone, m->uid);
		}
		free(path);
	}
	if (md->dir != NULL)
		maildir_sync_dir(md->dir);
	maildir_report_gone(md, gone);
	g_array_free(gone, TRUE);
	maildir_finish_done(md, err ? BE_LOCAL : BE_OK, err, cb, arg);
}

/* Copy one file into dest's tmp/, fsync it, then rename into cur/. */
static int
maildir_copy_file(
    const char *src, const char *dest, const char *final, char **err)
{
	char *tmp, *to, buf[65536], *uniq = maildir_unique_name();
	int in, out = -1, rc = -1;
	ssize_t r;

	tmp = xasprintf("%s/tmp/%s", dest, uniq);
	to = xasprintf("%s/cur/%s", dest, final);
	free(uniq);
	if ((in = open(src, O_RDONLY | O_CLOEXEC)) == -1 ||
	    (out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) ==
		-1) {
		*err = xasprintf("cannot copy %s: %s", src, strerror(errno));
		goto out;
	}
	while ((r = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, r) != r) {
			*err = xasprintf(
			    "cannot write %s: %s", tmp, strerror(errno));
			goto out;
		}
	}
	if (r < 0 || fsync(out) == -1 || close(out) == -1) {
		out = -1;
		*err = xasprintf("cannot copy %s: %s", src, strerror(errno));
		goto out;
	}
	out = -1;
	if (rename(tmp, to) == -1) {
		*err = xasprintf(
		    "cannot deliver into %s: %s", dest, strerror(errno));
		goto out;
	}
	maildir_sync_dir(dest);
	rc = 0;
out:
	if (in != -1)
		close(in);
	if (out != -1)
		close(out);
	if (rc == -1)
		unlink(tmp);
	free(tmp);
	free(to);
	return rc;
}

/* Copy (or move) messages to another folder. */
static void
maildir_copy(struct backend *be, const uint32_t *uids, size_t n,
    const char *dest, int move, be_done_cb cb, void *arg)
{
	struct maildir *md = (struct maildir *)be;
	GArray *gone = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	char *ddir, *err = NULL;
	enum be_status st = BE_OK;
	size_t i;

	ddir = maildir_folder_dir(md, dest);
	if (!maildir_folder_name_ok(dest) && g_ascii_strcasecmp(dest, "INBOX"))
		st = BE_NOT_FOUND;
	else if (!maildir_is_maildir(ddir))
		st = BE_NOT_FOUND;
	if (st != BE_OK)
		err = xasprintf("no folder %s to copy to", dest);
	for (i = 0; i < n && err == NULL; i++) {
		struct md_msg *m = maildir_msg(md, uids[i]);
		struct maildir_name mn;
		char *src, *uniq, *final, *to;

		if (m == NULL) {
			st = BE_NOT_FOUND;
			err = xasprintf("no message with uid %u", uids[i]);
			break;
		}
		maildir_name_parse(m->name, &mn);
		uniq = maildir_unique_name();
		mn.base_len = strlen(uniq);
		final = maildir_name_build(uniq, &mn, m->flags & ~MSG_RECENT);
		free(uniq);
		src = maildir_msg_path(md, m);
		to = xasprintf("%s/cur/%s", ddir, final);
		if (move && rename(src, to) == 0) {
			maildir_sync_dir(ddir);
		} else if (maildir_copy_file(src, ddir, final, &err) == 0) {
			if (move)
				unlink(src);
		} else
			st = BE_LOCAL;
		if (err == NULL && move) {
			m->gone = 1;
			g_array_append_val(gone, m->uid);
		}
		free(src);
		free(to);
		free(final);
	}
	free(ddir);
	maildir_report_gone(md, gone);
	g_array_free(gone, TRUE);
	maildir_finish_done(md, st, err, cb, arg);
}

/* Create a folder: .Name with cur/, new/ and tmp/. */
static void
maildir_create_folder(
    struct backend *be, const char *name, be_done_cb cb, void *arg)
{
	struct maildir *md = (struct maildir *)be;
	char *dir, *err = NULL;
	enum be_status st = BE_OK;

	if (!maildir_folder_name_ok(name) ||
	    g_ascii_strcasecmp(name, "INBOX") == 0) {
		maildir_finish_done(md, BE_NO,
		    xasprintf("'%s' is not a "
			      "folder name tern can create",
			name),
		    cb, arg);
		return;
	}
	dir = maildir_folder_dir(md, name);
	if (maildir_is_maildir(dir)) {
		st = BE_NO;
		err = xasprintf("folder %s exists", name);
	} else if (maildir_make(dir, &err) == -1)
		st = BE_LOCAL;
	free(dir);
	maildir_finish_done(md, st, err, cb, arg);
}

/* Rename a folder and the folders below it. */
static void
maildir_rename_folder(struct backend *be, const char *from, const char *to,
    be_done_cb cb, void *arg)
{
	struct maildir *md = (struct maildir *)be;
	char *fdir, *tdir, *err = NULL, *prefix;
	enum be_status st = BE_OK;
	struct dirent *de;
	DIR *d;

	if (!maildir_folder_name_ok(from) || !maildir_folder_name_ok(to) ||
	    g_ascii_strcasecmp(from, "INBOX") == 0 ||
	    g_ascii_strcasecmp(to, "INBOX") == 0) {
		maildir_finish_done(md, BE_NO,
		    xasprintf("cannot rename %s to "
			      "%s",
			from, to),
		    cb, arg);
		return;
	}
	fdir = maildir_folder_dir(md, from);
	tdir = maildir_folder_dir(md, to);
	if (!maildir_is_maildir(fdir)) {
		st = BE_NOT_FOUND;
		err = xasprintf("no folder %s", from);
	} else if (access(tdir, F_OK) == 0) {
		st = BE_NO;
		err = xasprintf("folder %s exists", to);
	} else if (rename(fdir, tdir) == -1) {
		st = BE_LOCAL;
		err = xasprintf("cannot rename %s: %s", fdir, strerror(errno));
	}
	/* Children: .from.x becomes .to.x */
	prefix = xasprintf(".%s.", from);
	if (st == BE_OK && (d = opendir(md->root)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			char *a, *b;

			if (strncmp(de->d_name, prefix, strlen(prefix)) != 0)
				continue;
			a = xasprintf("%s/%s", md->root, de->d_name);
			b = xasprintf("%s/.%s.%s", md->root, to,
			    de->d_name + strlen(prefix));
			if (rename(a, b) == -1 && err == NULL) {
				st = BE_LOCAL;
				err = xasprintf(
				    "cannot rename %s: %s", a, strerror(errno));
			}
			free(a);
			free(b);
		}
		closedir(d);
	}
	free(prefix);
	free(fdir);
	free(tdir);
	maildir_finish_done(md, st, err, cb, arg);
}

/* Remove every file in dir/sub. */
static int
maildir_empty_dir(const char *dir, const char *sub)
{
	char *p = xasprintf("%s/%s", dir, sub);
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if ((d = opendir(p)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			char *f;

			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			f = xasprintf("%s/%s", p, de->d_name);
			if (unlink(f) == -1)
				rc = -1;
			free(f);
		}
		closedir(d);
	}
	if (rmdir(p) == -1 && errno != ENOENT)
		rc = -1;
	free(p);
	return rc;
}

/* Delete a folder and its messages; not the Inbox, not with children. */
static void
maildir_delete_folder(
    struct backend *be, const char *name, be_done_cb cb, void *arg)
{
	struct maildir *md = (struct maildir *)be;
	char *dir, *prefix, *err = NULL;
	enum be_status st = BE_OK;
	struct dirent *de;
	DIR *d;

	if (!maildir_folder_name_ok(name) ||
	    g_ascii_strcasecmp(name, "INBOX") == 0) {
		maildir_finish_done(
		    md, BE_NO, xasprintf("cannot delete %s", name), cb, arg);
		return;
	}
	dir = maildir_folder_dir(md, name);
	prefix = xasprintf(".%s.", name);
	if (!maildir_is_maildir(dir)) {
		st = BE_NOT_FOUND;
		err = xasprintf("no folder %s", name);
	} else if ((d = opendir(md->root)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
				st = BE_NO;
		closedir(d);
		if (st == BE_NO)
			err = xasprintf(
			    "%s has subfolders; delete them first", name);
	}
	if (st == BE_OK) {
		if (md->folder != NULL && strcmp(md->folder, name) == 0) {
			maildir_cancel_jobs(md, NULL);
			maildir_close_folder(md);
		}
		if (maildir_empty_dir(dir, "tmp") == -1 ||
		    maildir_empty_dir(dir, "new") == -1 ||
		    maildir_empty_dir(dir, "cur") == -1 || rmdir(dir) == -1) {
			st = BE_LOCAL;
			err = xasprintf(
			    "cannot delete %s: %s", dir, strerror(errno));
		}
	}
	free(prefix);
	free(dir);
	maildir_finish_done(md, st, err, cb, arg);
}

/* One slice of a body search: scan up to MAILDIR_SLICE files. */
static int
maildir_search_step(struct md_job *job)
{
	struct maildir *md = job->md;
	size_t n = 0;

	while (n++ < MAILDIR_SLICE && job->pos < md->nmsgs) {
		struct md_msg *m = &md->msgs[job->pos++];
		gchar *data, *low;
		gsize len;
		char *path;

		if (m->gone)
			continue;
		path = maildir_msg_path(md, m);
		if (g_file_get_contents(path, &data, &len, NULL)) {
			char *text =
			    mime_text_content(data, len, MAILDIR_SEARCH_MAX);

			low = g_utf8_casefold(text, -1);
			if (strstr(low, job->needle) != NULL)
				g_array_append_val(job->hits, m->uid);
			g_free(low);
			g_free(text);
			g_free(data);
		}
		free(path);
	}
	if (job->pos < md->nmsgs)
		return 0;
	job->search_cb(BE_OK, NULL, (uint32_t *)(void *)job->hits->data,
	    job->hits->len, job->search_arg);
	return 1;
}

/* Tell a search that it was canceled. */
static void
maildir_search_cancel(struct md_job *job)
{
	job->search_cb(BE_CANCELED, "canceled", NULL, 0, job->search_arg);
}

/*
 * Search the open folder's bodies for text: case-insensitive, in the
 * decoded text parts (base64, quoted-printable and charsets undone).
 */
static void
maildir_search_body(
    struct backend *be, const char *text, be_search_cb cb, void *arg)
{
	struct maildir *md = (struct maildir *)be;
	struct md_job *job;

	job = maildir_job_start(md, maildir_search_step, maildir_search_cancel);
	job->needle = g_utf8_casefold(text, -1);
	job->hits = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	job->search_cb = cb;
	job->search_arg = arg;
}

/* Cancel everything and free the backend. */
static void
maildir_close(struct backend *be)
{
	struct maildir *md = (struct maildir *)be;
	struct md_done *d;

	maildir_cancel_jobs(md, NULL);
	/* Completions not yet delivered become cancellations. */
	while ((d = md->dones) != NULL) {
		md->dones = d->next;
		d->next = NULL;
		d->st = BE_CANCELED;
		free(d->msg);
		d->msg = xstrdup("canceled");
		if (d->folders != NULL) {
			size_t i;

			for (i = 0; i < d->nfolders; i++)
				free((char *)d->folders[i].name);
			free(d->folders);
			d->folders = NULL;
			d->nfolders = 0;
		}
		free(d->data);
		d->data = NULL;
		d->len = 0;
		event_del(d->ev);
		d->md = md;
		maildir_done_cb(-1, 0, d);
	}
	maildir_close_folder(md);
	free(md->root);
	free(md);
}

static const struct backend_ops maildir_ops = {
	.name = "maildir",
	.list_folders = maildir_list_folders,
	.open_folder = maildir_open_folder,
	.fetch_body = maildir_fetch_body,
	.set_flags = maildir_set_flags,
	.copy = maildir_copy,
	.expunge = maildir_expunge,
	.create_folder = maildir_create_folder,
	.rename_folder = maildir_rename_folder,
	.delete_folder = maildir_delete_folder,
	.search_body = maildir_search_body,
	.close = maildir_close,
};

/* A backend over the Maildir++ tree at root, which must exist. */
struct backend *
maildir_backend_new(struct event_base *base, const char *root,
    const struct be_events *events, struct store *store, char **err)
{
	struct maildir *md;

	if (!maildir_is_maildir(root)) {
		*err =
		    xasprintf("%s is not a Maildir (no cur/ directory)", root);
		return NULL;
	}
	md = xcalloc(1, sizeof *md);
	md->be.ops = &maildir_ops;
	md->be.base = base;
	md->be.events = events;
	md->root = xstrdup(root);
	md->store = store;
	return &md->be;
}
