/*
 * imap_parse.h - incremental parser for IMAP4 server responses.
 *
 * Pure and bounded: bytes in, typed responses out, no I/O.  The caller
 * feeds whatever the socket handed it, in pieces of any size (one byte at a
 * time gives exactly what all at once gives), and takes complete responses
 * with imap_parser_next().  Every size the server announces or sends is
 * checked against the caller's struct imap_limits before anything is
 * allocated for it; exceeding a limit is a protocol error.
 *
 * Covered: RFC 3501 and RFC 9051 responses (greeting, tagged and untagged
 * status with response codes, CAPABILITY, LIST/LSUB with LIST-EXTENDED and
 * SPECIAL-USE attributes, STATUS, FLAGS, EXISTS, RECENT, EXPUNGE, FETCH,
 * SEARCH, continuation requests), CONDSTORE/QRESYNC (RFC 7162: MODSEQ,
 * HIGHESTMODSEQ, NOMODSEQ, MODIFIED, VANISHED), ESEARCH (RFC 4731), ID
 * (RFC 2971), NAMESPACE (RFC 2342), UIDPLUS codes (RFC 4315), ENABLED
 * (RFC 5161), BINARY (RFC 3516) and SORT results.  An untagged response
 * this parser does not know comes back as IMAP_RESP_UNKNOWN with its raw
 * bytes; an unknown FETCH item or status item is skipped.
 *
 * Line ends: CRLF, and also a bare LF (some test servers and proxies send
 * one); an empty line is a protocol error, as it means the stream is out
 * of step.  Any protocol error is final: the stream cannot be trusted any
 * more and the connection must be dropped.  Responses completed before the
 * error can still be taken with imap_parser_next().
 */
#ifndef TERN_IMAP_PARSE_H
#define TERN_IMAP_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * What the caller allows one response to cost.  A zero field means "use
 * the default" (imap_limits_default()).
 */
struct imap_limits {
	size_t max_line; /* bytes of one line, CRLF and literals excluded;
			    each line between literals counts alone */
	uint64_t max_literal; /* bytes of one literal */
	uint64_t max_response; /* bytes of one response, literals included */
	unsigned max_depth; /* nesting of parenthesised lists */
	size_t max_items; /* elements of one list, items of one FETCH,
			     numbers of one SEARCH, literals of one
			     response */
};

#define IMAP_DEFAULT_MAX_LINE (16u << 20)
#define IMAP_DEFAULT_MAX_LITERAL (256ull << 20)
#define IMAP_DEFAULT_MAX_RESPONSE (288ull << 20)
#define IMAP_DEFAULT_MAX_DEPTH 64u
#define IMAP_DEFAULT_MAX_ITEMS (4u << 20)

/* A list of strings; v[n] is NULL. */
struct imap_strings {
	size_t n;
	char **v; /* owned */
};

/* name = value pairs (body parameters, ID fields); value may be NULL. */
struct imap_param {
	char *name; /* owned; lower-cased for body parameters */
	char *value; /* owned; NULL for NIL */
};

struct imap_params {
	size_t n;
	struct imap_param *v; /* owned */
};

/*
 * One range of a sequence set.  "a:b" is stored with first <= last; a
 * single number has first == last; "*" is IMAP_STAR and is always put in
 * last ("*:4" gives 4:IMAP_STAR, "*" gives IMAP_STAR:IMAP_STAR).
 */
#define IMAP_STAR 0u

struct imap_range {
	uint32_t first;
	uint32_t last;
};

struct imap_seqset {
	size_t n;
	struct imap_range *v; /* owned, in the order sent */
};

/* System flags, as bits beside the full list. */
#define IMAP_FLAG_SEEN 0x01u
#define IMAP_FLAG_ANSWERED 0x02u
#define IMAP_FLAG_FLAGGED 0x04u
#define IMAP_FLAG_DELETED 0x08u
#define IMAP_FLAG_DRAFT 0x10u
#define IMAP_FLAG_RECENT 0x20u
#define IMAP_FLAG_ANY 0x40u /* "\*": new keywords may be created */

struct imap_flags {
	unsigned bits; /* IMAP_FLAG_* for the system flags */
	struct imap_strings all; /* every flag as sent, keywords included */
};

enum imap_resp_kind {
	IMAP_RESP_STATUS, /* OK/NO/BAD/BYE/PREAUTH, tagged or not */
	IMAP_RESP_CONTINUE, /* "+ text" or "+ base64" */
	IMAP_RESP_CAPABILITY, /* u.caps */
	IMAP_RESP_LIST, /* u.list */
	IMAP_RESP_LSUB, /* u.list */
	IMAP_RESP_MAILBOX_STATUS, /* the STATUS command's answer: u.mbstatus */
	IMAP_RESP_FLAGS, /* u.flags */
	IMAP_RESP_EXISTS, /* number */
	IMAP_RESP_RECENT, /* number */
	IMAP_RESP_EXPUNGE, /* number */
	IMAP_RESP_FETCH, /* u.fetch */
	IMAP_RESP_SEARCH, /* u.search */
	IMAP_RESP_SORT, /* u.search */
	IMAP_RESP_ESEARCH, /* u.esearch */
	IMAP_RESP_VANISHED, /* u.vanished */
	IMAP_RESP_ENABLED, /* u.caps */
	IMAP_RESP_ID, /* u.id */
	IMAP_RESP_NAMESPACE, /* u.ns */
	IMAP_RESP_UNKNOWN /* u.unknown */
};

enum imap_status {
	IMAP_STATUS_NONE, /* not a status response */
	IMAP_STATUS_OK,
	IMAP_STATUS_NO,
	IMAP_STATUS_BAD,
	IMAP_STATUS_BYE,
	IMAP_STATUS_PREAUTH
};

/* Response codes: "[CODE args]" at the start of a status text. */
enum imap_code_kind {
	IMAP_CODE_NONE, /* no code */
	IMAP_CODE_OTHER, /* unknown, or known with arguments we could not
			    read: see name and raw */
	IMAP_CODE_ALERT,
	IMAP_CODE_BADCHARSET, /* strings: the charsets, if listed */
	IMAP_CODE_CAPABILITY, /* strings */
	IMAP_CODE_PARSE,
	IMAP_CODE_PERMANENTFLAGS, /* flags */
	IMAP_CODE_READ_ONLY,
	IMAP_CODE_READ_WRITE,
	IMAP_CODE_TRYCREATE,
	IMAP_CODE_UIDNEXT, /* num */
	IMAP_CODE_UIDVALIDITY, /* num */
	IMAP_CODE_UNSEEN, /* num */
	IMAP_CODE_HIGHESTMODSEQ, /* modseq */
	IMAP_CODE_NOMODSEQ,
	IMAP_CODE_MODIFIED, /* uids: the set that was not changed */
	IMAP_CODE_APPENDUID, /* uidvalidity, uids */
	IMAP_CODE_COPYUID, /* uidvalidity, uids (source), uids2 */
	IMAP_CODE_CLOSED,
	IMAP_CODE_UIDNOTSTICKY,
	/* RFC 5530 and RFC 9051 codes without arguments */
	IMAP_CODE_ALREADYEXISTS,
	IMAP_CODE_AUTHENTICATIONFAILED,
	IMAP_CODE_AUTHORIZATIONFAILED,
	IMAP_CODE_CANNOT,
	IMAP_CODE_CLIENTBUG,
	IMAP_CODE_CONTACTADMIN,
	IMAP_CODE_CORRUPTION,
	IMAP_CODE_EXPIRED,
	IMAP_CODE_EXPUNGEISSUED,
	IMAP_CODE_HASCHILDREN,
	IMAP_CODE_INUSE,
	IMAP_CODE_LIMIT,
	IMAP_CODE_NONEXISTENT,
	IMAP_CODE_NOPERM,
	IMAP_CODE_OVERQUOTA,
	IMAP_CODE_PRIVACYREQUIRED,
	IMAP_CODE_SERVERBUG,
	IMAP_CODE_UNAVAILABLE,
	IMAP_CODE_NOTSAVED
};

struct imap_code {
	enum imap_code_kind kind;
	char *name; /* owned: the code's atom as sent; NULL when kind NONE */
	char *raw; /* owned: what followed the atom inside [], or NULL */
	uint32_t num;
	uint64_t modseq;
	uint32_t uidvalidity;
	struct imap_strings strings;
	struct imap_flags flags;
	struct imap_seqset uids;
	struct imap_seqset uids2;
};

/* Mailbox attributes of LIST/LSUB (RFC 3501, 5258, 6154). */
#define IMAP_MBX_NOINFERIORS 0x0001u
#define IMAP_MBX_NOSELECT 0x0002u
#define IMAP_MBX_MARKED 0x0004u
#define IMAP_MBX_UNMARKED 0x0008u
#define IMAP_MBX_HASCHILDREN 0x0010u
#define IMAP_MBX_HASNOCHILDREN 0x0020u
#define IMAP_MBX_NONEXISTENT 0x0040u
#define IMAP_MBX_REMOTE 0x0080u
#define IMAP_MBX_SUBSCRIBED 0x0100u
#define IMAP_MBX_ALL 0x0200u
#define IMAP_MBX_ARCHIVE 0x0400u
#define IMAP_MBX_DRAFTS 0x0800u
#define IMAP_MBX_FLAGGED 0x1000u
#define IMAP_MBX_JUNK 0x2000u
#define IMAP_MBX_SENT 0x4000u
#define IMAP_MBX_TRASH 0x8000u
#define IMAP_MBX_IMPORTANT 0x10000u

/*
 * A mailbox name comes twice: as the server sent it (use this one in
 * commands) and as UTF-8 for people.  The UTF-8 form is the modified
 * UTF-7 decoding (RFC 3501 5.1.3) of a 7-bit name; a name with 8-bit bytes
 * (UTF8=ACCEPT), a name that is not valid modified UTF-7, or any name once
 * imap_parser_set_utf8() was called, is taken as it is, with bytes that are
 * not UTF-8 replaced by U+FFFD.
 */
struct imap_list {
	unsigned attrs; /* IMAP_MBX_* */
	struct imap_strings flags; /* every attribute as sent */
	char delim; /* hierarchy delimiter; '\0' for NIL */
	char *name; /* owned, as sent */
	char *name_utf8; /* owned */
	char *oldname; /* owned: LIST-EXTENDED OLDNAME, or NULL */
	char *oldname_utf8; /* owned, or NULL */
	struct imap_strings childinfo; /* LIST-EXTENDED CHILDINFO */
};

#define IMAP_STATUS_MESSAGES 0x01u
#define IMAP_STATUS_RECENT 0x02u
#define IMAP_STATUS_UIDNEXT 0x04u
#define IMAP_STATUS_UIDVALIDITY 0x08u
#define IMAP_STATUS_UNSEEN 0x10u
#define IMAP_STATUS_HIGHESTMODSEQ 0x20u
#define IMAP_STATUS_SIZE 0x40u
#define IMAP_STATUS_DELETED 0x80u

struct imap_mailbox_status {
	char *name; /* owned, as sent */
	char *name_utf8; /* owned, as for struct imap_list */
	unsigned present; /* IMAP_STATUS_* */
	uint32_t messages, recent, uidnext, uidvalidity, unseen, deleted;
	uint64_t highestmodseq, size;
};

enum imap_addr_kind {
	IMAP_ADDR_MAILBOX, /* an address */
	IMAP_ADDR_GROUP_START, /* mailbox is the group's name, host NULL */
	IMAP_ADDR_GROUP_END /* mailbox and host NULL */
};

struct imap_address {
	enum imap_addr_kind kind;
	char *name, *adl, *mailbox, *host; /* owned; NULL for NIL */
};

struct imap_addrlist {
	size_t n;
	struct imap_address *v; /* owned */
};

/* ENVELOPE: header fields as sent (RFC 2047 words not decoded). */
struct imap_envelope {
	char *date, *subject; /* owned; NULL for NIL */
	struct imap_addrlist from, sender, reply_to, to, cc, bcc;
	char *in_reply_to, *message_id; /* owned; NULL for NIL */
};

/*
 * BODY / BODYSTRUCTURE.  A multipart has parts (nparts > 0) and type
 * "multipart"; a message/rfc822 (or message/global) part has envelope and
 * msg.  type, subtype, encoding, parameter names and the disposition type
 * are lower-cased; other strings are as sent, NULL for NIL or absent.
 */
struct imap_body {
	char *type, *subtype;
	struct imap_params params;
	char *id, *description, *encoding;
	uint64_t size; /* octets of the encoded part */
	uint32_t lines; /* text/ and message/rfc822 parts */
	struct imap_envelope *envelope; /* message/rfc822 */
	struct imap_body *msg; /* message/rfc822 */
	size_t nparts;
	struct imap_body **parts; /* multipart */
	/* extension data (BODYSTRUCTURE only) */
	int has_ext;
	char *md5;
	char *disposition;
	struct imap_params disposition_params;
	struct imap_strings language;
	char *location;
};

enum imap_section_kind {
	IMAP_SECTION_BODY, /* BODY[...] (BODY.PEEK answers too) */
	IMAP_SECTION_BINARY, /* BINARY[...] */
	IMAP_SECTION_RFC822, /* RFC822 */
	IMAP_SECTION_RFC822_HEADER, /* RFC822.HEADER */
	IMAP_SECTION_RFC822_TEXT /* RFC822.TEXT */
};

enum imap_section_text {
	IMAP_TEXT_NONE, /* the whole part */
	IMAP_TEXT_HEADER,
	IMAP_TEXT_HEADER_FIELDS,
	IMAP_TEXT_HEADER_FIELDS_NOT,
	IMAP_TEXT_TEXT,
	IMAP_TEXT_MIME
};

/* One BODY[...]/BINARY[...]/RFC822* answer and its bytes. */
struct imap_section {
	enum imap_section_kind kind;
	char *spec; /* owned: canonical text between the brackets, e.g.
		       "1.2.HEADER.FIELDS (FROM TO)"; "" for RFC822* */
	size_t npart;
	uint32_t *part; /* owned: the part numbers, e.g. {1, 2} */
	enum imap_section_text text;
	struct imap_strings fields; /* HEADER.FIELDS[.NOT] names */
	int has_origin;
	uint32_t origin; /* <origin> of a partial answer */
	char *data; /* owned, may hold NULs, NUL-terminated; NULL for NIL */
	size_t len;
};

struct imap_binary_size {
	char *spec; /* owned: the part numbers, e.g. "1.2" */
	uint64_t size;
};

#define IMAP_FETCH_UID 0x001u
#define IMAP_FETCH_FLAGS 0x002u
#define IMAP_FETCH_INTERNALDATE 0x004u
#define IMAP_FETCH_RFC822_SIZE 0x008u
#define IMAP_FETCH_ENVELOPE 0x010u
#define IMAP_FETCH_BODYSTRUCTURE 0x020u /* body came as BODYSTRUCTURE */
#define IMAP_FETCH_BODY 0x040u /* body came as BODY (no ext) */
#define IMAP_FETCH_MODSEQ 0x080u

struct imap_fetch {
	uint32_t seq;
	unsigned present; /* IMAP_FETCH_* */
	uint32_t uid;
	struct imap_flags flags;
	time_t internaldate; /* UTC */
	int internaldate_zone; /* the sender's offset, minutes east of UTC */
	uint64_t rfc822_size;
	uint64_t modseq;
	struct imap_envelope *envelope; /* owned */
	struct imap_body *body; /* owned */
	size_t nsections;
	struct imap_section *sections; /* owned, in the order sent */
	size_t nbinary_sizes;
	struct imap_binary_size *binary_sizes; /* owned */
};

struct imap_search {
	size_t n;
	uint32_t *v; /* owned */
	int has_modseq;
	uint64_t modseq;
};

#define IMAP_ESEARCH_MIN 0x01u
#define IMAP_ESEARCH_MAX 0x02u
#define IMAP_ESEARCH_COUNT 0x04u
#define IMAP_ESEARCH_ALL 0x08u
#define IMAP_ESEARCH_MODSEQ 0x10u

struct imap_esearch {
	char *tag; /* owned: the correlated command's tag, or NULL */
	int uid; /* results are UIDs */
	unsigned present; /* IMAP_ESEARCH_* */
	uint32_t min, max, count;
	struct imap_seqset all;
	uint64_t modseq;
};

struct imap_vanished {
	int earlier; /* VANISHED (EARLIER) */
	struct imap_seqset uids;
};

struct imap_ns_ext {
	char *name; /* owned */
	struct imap_strings values;
};

struct imap_namespace {
	char *prefix; /* owned */
	char delim; /* '\0' for NIL */
	size_t next;
	struct imap_ns_ext *ext; /* owned */
};

struct imap_ns_list {
	size_t n; /* 0 for NIL */
	struct imap_namespace *v; /* owned */
};

struct imap_namespaces {
	struct imap_ns_list personal, other, shared;
};

struct imap_unknown {
	char *name; /* owned: the response's keyword as sent */
	char *raw; /* owned: the rest of the response, literals inline */
	size_t rawlen;
};

/*
 * One complete response.  Everything it points to is owned by it and goes
 * with imap_response_free(); a caller that wants to keep a buffer (a large
 * section's data, say) may take it and set the field to NULL.
 */
struct imap_response {
	enum imap_resp_kind kind;
	char *tag; /* owned; NULL when untagged or CONTINUE */
	enum imap_status status; /* IMAP_RESP_STATUS */
	struct imap_code code; /* IMAP_RESP_STATUS, IMAP_RESP_CONTINUE */
	char *text; /* owned: human text (STATUS) or the continuation's text
		       or base64 (CONTINUE); "" when none */
	uint32_t number; /* EXISTS, RECENT, EXPUNGE, FETCH, or the number
			    before an unknown keyword */
	union {
		struct imap_strings caps;
		struct imap_list list;
		struct imap_mailbox_status mbstatus;
		struct imap_flags flags;
		struct imap_fetch fetch;
		struct imap_search search;
		struct imap_esearch esearch;
		struct imap_vanished vanished;
		struct imap_params id; /* n == 0 for NIL */
		struct imap_namespaces ns;
		struct imap_unknown unknown;
	} u;
};

struct imap_parser;

void imap_limits_default(struct imap_limits *lim);

struct imap_parser *imap_parser_new(const struct imap_limits *lim);
void imap_parser_free(struct imap_parser *p);
int imap_parser_feed(struct imap_parser *p, const char *buf, size_t len);
struct imap_response *imap_parser_next(struct imap_parser *p);
const char *imap_parser_error(const struct imap_parser *p);
size_t imap_parser_buffered(const struct imap_parser *p);
void imap_parser_set_utf8(struct imap_parser *p, int on);

void imap_response_free(struct imap_response *r);
char *imap_response_dump(const struct imap_response *r);
const char *imap_resp_kind_name(enum imap_resp_kind kind);
const char *imap_status_name(enum imap_status status);

#endif
