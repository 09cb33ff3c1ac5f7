/*
 * bench_model.c - how big and how fast the mailbox model is.
 *
 * Synthesises a deterministic folder of 100,000 messages that looks like
 * a real one (2,000 senders, skewed so a few write most of the mail;
 * subjects from templates; 40% replies carrying References chains, some
 * to parents that are not in the folder; ids like <hex@host>), loads it
 * into a mailbox and prints the memory per message and the median of 5
 * runs of: sorting by date, threading + sorting, and a limit pattern
 * over every message.  The last line is PASS or FAIL against the
 * targets (under 200 bytes a message, thread + sort under 150 ms), and
 * so is the exit status.  Usage: bench_model [COUNT]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "model/msgtab.h"
#include "model/rowlist.h"
#include "model/pattern.h"
#include "model/summary.h"
#include "xmalloc.h"

#define BENCH_RUNS 5
#define BENCH_SENDERS 2000
#define BENCH_MAX_BYTES 200.0
#define BENCH_MAX_THREAD_MS 150.0

static uint64_t bench_state = UINT64_C(0x9e3779b97f4a7c15);

/* xorshift64*: the same folder on every run and every machine. */
static uint64_t
bench_rand(void)
{
	bench_state ^= bench_state >> 12;
	bench_state ^= bench_state << 25;
	bench_state ^= bench_state >> 27;
	return bench_state * UINT64_C(0x2545f4914f6cdd1d);
}

/* A number in 0 .. n - 1. */
static uint32_t
bench_pick(uint32_t n)
{
	return (uint32_t)(bench_rand() % n);
}

static const char *const bench_first[] = { "Alice", "Bob", "Carol", "Dave",
	"Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Mallory", "Niaj",
	"Olivia", "Peggy", "Rupert", "Sybil", "Trent", "Victor", "Walter",
	"Wendy", "Zoe", "Yuki", "Xavier", "Maria", "Jürgen", "Søren", "Amélie",
	"Chen", "Priya", "Omar", "Fatima", "Lars", "Ingrid", "Pablo", "Lucia",
	"Tomasz", "Aiko", "Kwame", "Nadia", "Hugo" };
static const char *const bench_last[] = { "Smith", "Jones", "Müller", "García",
	"Rossi", "Dubois", "Nowak", "Kowalski", "Tanaka", "Lee", "Nguyen",
	"Patel", "Okafor", "Hansen", "Johansson", "Silva", "Costa", "Novak",
	"Horvat", "Ivanov", "Schmidt", "Fischer", "Weber", "Meyer", "Wagner",
	"Becker", "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf",
	"Brown", "Taylor", "Wilson", "Clark", "Lewis", "Walker", "Hall",
	"Young" };
static const char *const bench_domains[] = { "example.com", "example.org",
	"example.net", "corp.example.com", "mail.example.de", "uni.example.edu",
	"lists.example.org", "company.example", "startup.example.io",
	"gov.example.uk" };
static const char *const bench_hosts[] = { "mail.example.com",
	"mx1.corp.example.com", "smtp.example.org", "mail.gmail.example",
	"outbound.example.net", "localhost.localdomain", "mta.example.de",
	"relay.uni.example.edu" };
static const char *const bench_lists[] = { "dev@lists.example.org",
	"announce@lists.example.org", "users@lists.example.org",
	"team@corp.example.com", "ops@corp.example.com" };
static const char *const bench_words[] = { "kernel", "database", "frontend",
	"billing", "backup", "the new office", "CI pipeline", "release",
	"security audit", "onboarding", "budget", "roadmap", "printer", "VPN",
	"cache", "search", "mobile app", "API", "migration", "documentation",
	"hiring", "conference", "invoices", "storage", "monitoring",
	"the holiday party", "licensing", "performance", "network",
	"support queue" };
static const char *const bench_templates[] = { "Weekly report for %s",
	"Question about %s", "%s is down again", "Meeting notes: %s",
	"Proposal: rework %s", "Re-thinking %s", "Status report: %s",
	"Help needed with %s", "[dev] %s: patch series", "Invoice for %s",
	"Quick question on %s", "Reminder: %s review", "FYI: %s changes",
	"Draft: %s plan", "Monthly %s report", "Can we talk about %s?" };

/* The folder's messages, with what replies need from their parents. */
struct bench_folder {
	struct summary *s;
	char **base; /* subject without Re: */
	size_t n;
};

/* Make a message id: hex@host. */
static char *
bench_id(void)
{
	return xasprintf("%016llx.%x@%s", (unsigned long long)bench_rand(),
	    bench_pick(1u << 20),
	    bench_hosts[bench_pick(G_N_ELEMENTS(bench_hosts))]);
}

/* Build the sender pool. */
static char **
bench_senders(void)
{
	char **v = xcalloc(BENCH_SENDERS, sizeof *v);
	const char *f, *l;
	size_t i;

	for (i = 0; i < BENCH_SENDERS; i++) {
		f = bench_first[bench_pick(G_N_ELEMENTS(bench_first))];
		l = bench_last[bench_pick(G_N_ELEMENTS(bench_last))];
		v[i] = xasprintf("%s %s <%c.%s%zu@%s>", f, l, f[0], l, i % 97,
		    bench_domains[bench_pick(G_N_ELEMENTS(bench_domains))]);
	}
	return v;
}

/* A sender, skewed so that a few people write most of the mail. */
static const char *
bench_sender(char **senders)
{
	uint32_t a = bench_pick(BENCH_SENDERS), b = bench_pick(BENCH_SENDERS);

	return senders[(size_t)a * b / BENCH_SENDERS];
}

/* Synthesise n messages. */
static void
bench_make(struct bench_folder *f, size_t n)
{
	static const char *const prefixes[] = { "Re: ", "Re: ", "Re: ", "Re: ",
		"Re: ", "Re: ", "RE: ", "AW: ", "Fwd: ", "Re: Re: " };
	char **senders = bench_senders(), *ext;
	const char *tpl, *hole;
	struct summary *s, *p;
	int64_t t = 1500000000;
	size_t i, k, pi;

	f->n = n;
	f->s = xcalloc(n, sizeof *f->s);
	f->base = xcalloc(n, sizeof *f->base);
	for (i = 0; i < n; i++) {
		s = &f->s[i];
		t += bench_pick(3000);
		s->uid = (uint32_t)i + 1;
		s->date = bench_pick(50) == 0 ? t - bench_pick(86400 * 30) : t;
		s->arrival = t + bench_pick(120);
		s->size = 1500 + bench_pick(30000);
		s->has_attachment = bench_pick(10) == 0;
		if (s->has_attachment)
			s->size += bench_pick(2u << 20);
		s->flags = bench_pick(100) < 85 ? MSG_SEEN : 0;
		if (bench_pick(20) == 0)
			s->flags |= MSG_FLAGGED;
		if (bench_pick(5) == 0)
			s->flags |= MSG_ANSWERED;
		s->from = xstrdup(bench_sender(senders));
		k = bench_pick(10);
		if (k < 6)
			s->to = xstrdup("Me Myself <me@example.org>");
		else if (k < 9)
			s->to = xstrdup(
			    bench_lists[bench_pick(G_N_ELEMENTS(bench_lists))]);
		else
			s->to = xstrdup(bench_sender(senders));
		if (bench_pick(5) == 0) {
			k = 1 + bench_pick(3);
			s->cc = xstrdup(bench_sender(senders));
			while (--k > 0) {
				ext = xasprintf(
				    "%s, %s", s->cc, bench_sender(senders));
				free(s->cc);
				s->cc = ext;
			}
		}
		s->message_id = bench_id();
		if (i > 0 && bench_pick(10) < 4) {
			/* A reply to a recent message, or to one that is
			 * not in this folder (sent mail). */
			pi = i - 1 - bench_pick(i < 3000 ? (uint32_t)i : 3000);
			p = &f->s[pi];
			f->base[i] = xstrdup(f->base[pi]);
			s->subject = xasprintf("%s%s",
			    prefixes[bench_pick(G_N_ELEMENTS(prefixes))],
			    f->base[i]);
			if (bench_pick(10) == 0) {
				ext = bench_id();
				s->references = xasprintf("%s%s%s",
				    p->references ? p->references : "",
				    p->references ? " " : "", ext);
				s->in_reply_to = ext;
			} else {
				s->references = xasprintf("%s%s%s",
				    p->references ? p->references : "",
				    p->references ? " " : "", p->message_id);
				s->in_reply_to = xstrdup(p->message_id);
			}
		} else {
			tpl = bench_templates[bench_pick(
			    G_N_ELEMENTS(bench_templates))];
			hole = strstr(tpl, "%s");
			f->base[i] = xasprintf("%.*s%s%s (%u)",
			    (int)(hole - tpl), tpl,
			    bench_words[bench_pick(G_N_ELEMENTS(bench_words))],
			    hole + 2, bench_pick(5000));
			s->subject = xstrdup(f->base[i]);
		}
	}
	for (i = 0; i < BENCH_SENDERS; i++)
		free(senders[i]);
	free(senders);
}

/* Milliseconds on a clock. */
static double
bench_clock(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Milliseconds of wall time, which is what the targets are about. */
static double
bench_now(void)
{
	return bench_clock(CLOCK_MONOTONIC);
}

/* Milliseconds of CPU used, to tell slowness from a busy machine. */
static double
bench_cpu(void)
{
	return bench_clock(CLOCK_PROCESS_CPUTIME_ID);
}

/* Order doubles. */
static int
bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of BENCH_RUNS timings. */
static double
bench_median(double *v)
{
	qsort(v, BENCH_RUNS, sizeof *v, bench_cmp);
	return v[BENCH_RUNS / 2];
}

/* Time rowlist_build with some options: median wall and CPU ms. */
static double
bench_view(const struct msgtab *mb, const struct rowlist_opts *o, size_t *rows,
    double *cpu)
{
	double v[BENCH_RUNS], c[BENCH_RUNS], t, u;
	struct rowlist *mv;
	int i;

	for (i = 0; i < BENCH_RUNS; i++) {
		t = bench_now();
		u = bench_cpu();
		mv = rowlist_build(mb, o);
		v[i] = bench_now() - t;
		c[i] = bench_cpu() - u;
		*rows = rowlist_count(mv);
		rowlist_free(mv);
	}
	*cpu = bench_median(c);
	return bench_median(v);
}

/* Print how many threads a view has and how deep they go. */
static void
bench_shape(const struct msgtab *mb, const struct rowlist_opts *o)
{
	struct rowlist *mv = rowlist_build(mb, o);
	const struct rowlist_row *r;
	size_t i, threads = 0, depth = 0;

	for (i = 0; i < rowlist_count(mv); i++) {
		r = rowlist_row(mv, i);
		threads += (r->flags & ROWLIST_ROW_THREAD_START) != 0;
		if (r->depth > depth)
			depth = r->depth;
	}
	printf("  threads:           %zu, deepest reply at level %zu\n",
	    threads, depth);
	rowlist_free(mv);
}

/* Build the folder, measure it, and judge against the targets. */
int
main(int argc, char **argv)
{
	struct rowlist_opts o = { MSGTAB_SORT_DATE, false, false, false, NULL,
		NULL, NULL };
	double v[BENCH_RUNS], t, cpu, bytes, sort_ms, thread_ms, limit_ms;
	double load_ms;
	size_t i, n = 100000, rows, matched = 0;
	struct bench_folder f;
	struct msgtab *mb;
	struct pattern *p;
	char *err;
	int r;

	if (argc > 1)
		n = strtoul(argv[1], NULL, 10);
	if (n == 0)
		n = 1;
	bench_make(&f, n);

	t = bench_now();
	mb = msgtab_new();
	for (i = 0; i < n; i++)
		msgtab_add(mb, &f.s[i]);
	load_ms = bench_now() - t;
	bytes = (double)msgtab_memory(mb) / (double)n;
	printf("messages:            %zu (%u distinct strings, %u ids)\n", n,
	    msgtab_string_count(mb), msgtab_id_count(mb));
	printf("load:                %.1f ms\n", load_ms);
	printf("memory:              %.1f bytes/message (%zu bytes)\n", bytes,
	    msgtab_memory(mb));

	sort_ms = bench_view(mb, &o, &rows, &cpu);
	printf("sort by date:        %.1f ms, cpu %.1f ms (%zu rows)\n",
	    sort_ms, cpu, rows);
	o.sort = MSGTAB_SORT_SUBJECT;
	t = bench_view(mb, &o, &rows, &cpu);
	printf("sort by subject:     %.1f ms, cpu %.1f ms\n", t, cpu);
	o.sort = MSGTAB_SORT_FROM;
	t = bench_view(mb, &o, &rows, &cpu);
	printf("sort by from:        %.1f ms, cpu %.1f ms\n", t, cpu);

	o.sort = MSGTAB_SORT_DATE;
	o.threaded = true;
	thread_ms = bench_view(mb, &o, &rows, &cpu);
	printf("thread + sort:       %.1f ms, cpu %.1f ms (%zu rows)\n",
	    thread_ms, cpu, rows);
	bench_shape(mb, &o);
	o.subject_threads = true;
	t = bench_view(mb, &o, &rows, &cpu);
	printf("  with subjects:     %.1f ms, cpu %.1f ms\n", t, cpu);

	p = pattern_compile("~f alice ~s report", 0, &err);
	if (p == NULL) {
		printf("pattern: %s\n", err);
		return 1;
	}
	for (r = 0; r < BENCH_RUNS; r++) {
		t = bench_now();
		matched = 0;
		for (i = 0; i < n; i++)
			matched += pattern_match(p, mb, i, NULL, NULL);
		v[r] = bench_now() - t;
	}
	limit_ms = bench_median(v);
	printf("limit ~f alice ~s report: %.1f ms (%zu match)\n", limit_ms,
	    matched);
	pattern_free(p);

	r = bytes < BENCH_MAX_BYTES && thread_ms < BENCH_MAX_THREAD_MS;
	printf("%s: %.1f bytes/message (< %.0f), thread + sort %.1f ms "
	       "(< %.0f)\n",
	    r ? "PASS" : "FAIL", bytes, BENCH_MAX_BYTES, thread_ms,
	    BENCH_MAX_THREAD_MS);

	msgtab_free(mb);
	for (i = 0; i < n; i++) {
		summary_clear(&f.s[i]);
		free(f.base[i]);
	}
	free(f.s);
	free(f.base);
	return r ? 0 : 1;
}
