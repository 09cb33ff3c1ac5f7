#!/usr/bin/env python3
"""Write a deterministic, realistic mail corpus straight into a Maildir.

    corpus.py [--seed S] [--count N] [--large K]
              [--start-date YYYY-MM-DD] MAILDIR

The same arguments always give byte-identical files under identical names;
a different seed gives a different corpus.  Everything comes from
random.Random(seed): no clock, host name or pid is consulted.

What the corpus contains, roughly:

  * about 40 people (English, German, Slovak and Chinese names, several of
    which need RFC 2047 encoding), each with a mail client whose habits
    decide the MIME shape of their messages: mutt (plain text, charset the
    smallest that fits), Thunderbird (format=flowed), Outlook
    (multipart/alternative, windows-1252, top posting), Gmail, Apple Mail
    (format=flowed; DelSp=yes), KMail (ISO-8859-1/-2), Foxmail (base64);
  * threads: about 40 % replies with In-Reply-To and References (capped at
    ten ids), some more than ten deep, some whose parent is a message the
    mailbox owner sent (so it is missing from the INBOX);
  * forwards, inline or as message/rfc822;
  * attachments (PDF, PNG, JPEG, CSV, ICS, patches, office files) with plain
    and RFC 2231 file names, including continuations;
  * mailing-list traffic with List-Id, and machine mail (CI notices,
    invoices, newsletters, calendar invitations, cron output);
  * --large K messages of 3-12 MB with one big base64 attachment.

Files are written to tmp/ and renamed into cur/ (the newest 3-5 % into
new/) with names "<time>.M<seq>P0.tern,S=<size>,W=<crlf size>[:2,<flags>]";
their mtime is the delivery time.  Message files use LF line endings.
"""

import argparse
import base64
import binascii
import calendar
import datetime
import html.entities
import os
import random
import re
import struct
import sys
import time
import zlib
from collections import deque

OWNER_NAME = "Sam Tester"
OWNER_ADDR = "tester@example.com"

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAYS_LONG = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                 "Saturday", "Sunday")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
          "Oct", "Nov", "Dec")
MONTHS_LONG = ("January", "February", "March", "April", "May", "June",
               "July", "August", "September", "October", "November",
               "December")
WEEKDAYS_DE = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag",
               "Samstag", "Sonntag")
MONTHS_DE = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli",
             "August", "September", "Oktober", "November", "Dezember")
MONTHS_SK = ("január", "február", "marec", "apríl", "máj", "jún", "júl",
             "august", "september", "október", "november", "december")

# --------------------------------------------------------------------------
# People, clients, lists

# name, address, language, time zone, client, weight, title
PEOPLE = [
    ("Alice Example", "alice@example.com", "en", "uk", "thunderbird", 7,
     "Engineering Manager"),
    ("Bob Example", "bob@example.net", "en", "us_e", "mutt", 5,
     "Systems Administrator"),
    ("Carol Jenkins", "carol.jenkins@example.org", "en", "us_p", "gmail", 3,
     "Product Owner"),
    ("Dave O'Connor", "dave.oconnor@example.com", "en", "uk", "outlook", 3,
     "Sales Director"),
    ("Smith, John", "john.smith@example.net", "en", "us_c", "outlook", 2,
     "Account Manager"),
    ("Emily Chen", "emily.chen@example.com", "en", "us_p", "apple", 2,
     "UX Designer"),
    ("Frank Turner", "frank@example.org", "en", "uk", "mutt", 2,
     "Release Engineer"),
    ("Grace Hopkins", "ghopkins@example.net", "en", "us_e", "gmail", 2,
     "QA Lead"),
    ("Henry Walsh", "henry.walsh@example.com", "en", "eu", "outlook", 2,
     "Finance"),
    ("Isabel Ortiz", "isabel.ortiz@example.org", "en", "eu", "gmail", 2,
     "Data Analyst"),
    ("J. R. Hartley", "jr.hartley@example.net", "en", "uk", "thunderbird", 1,
     "Archivist"),
    ("Karen Liu", "karen.liu@example.com", "en", "us_p", "apple", 2,
     "Marketing"),
    ("Laura Bennett", "laura@example.org", "en", "us_e", "outlook", 2,
     "Office Manager"),
    ("Michael Brown", "mbrown@example.net", "en", "us_c", "gmail", 2,
     "Backend Developer"),
    ("Nina Patel", "nina.patel@example.com", "en", "in", "gmail", 2,
     "Support Engineer"),
    ("Oscar Reyes", "oscar@example.org", "en", "us_c", "thunderbird", 1,
     "Network Engineer"),
    ("Priya Sharma", "priya.sharma@example.net", "en", "in", "outlook", 2,
     "Project Coordinator"),
    ("Rachel Green", "rgreen@example.com", "en", "us_e", "apple", 1,
     "Legal Counsel"),
    ("Steve Kim", "steve.kim@example.org", "en", "us_p", "mutt", 1,
     "Security Engineer"),
    ("Tom Baker", "tom.baker@example.net", "en", "uk", "thunderbird", 1,
     "Technical Writer"),
    ("Jürgen Müller", "juergen.mueller@mail.example.de", "de", "eu",
     "thunderbird", 4, "Leiter Entwicklung"),
    ("Käthe Groß", "kaethe.gross@mail.example.de", "de", "eu", "outlook", 3,
     "Buchhaltung"),
    ("Stefan Weiß", "stefan.weiss@mail.example.de", "de", "eu", "mutt", 2,
     "Systemadministration"),
    ("Anja Schäfer", "anja.schaefer@mail.example.de", "de", "eu", "gmail", 2,
     "Vertrieb"),
    ("Björn Höfer", "bjoern.hoefer@mail.example.de", "de", "eu", "kmail", 2,
     "Qualitätssicherung"),
    ("Dr. Ulrike Förster", "u.foerster@mail.example.de", "de", "eu",
     "outlook", 1, "Geschäftsführung"),
    ("Lukas Brändle", "lukas.braendle@mail.example.de", "de", "eu", "apple",
     1, "Werkstudent"),
    ("Ľubomír Šťastný", "lubomir.stastny@example.sk", "sk", "eu",
     "thunderbird", 3, "vedúci projektu"),
    ("Žofia Kováčová", "zofia.kovacova@example.sk", "sk", "eu", "gmail", 3,
     "účtovníčka"),
    ("Peter Horváth", "peter.horvath@example.sk", "sk", "eu", "kmail", 2,
     "programátor"),
    ("Zuzana Novotná", "zuzana.novotna@example.sk", "sk", "eu", "outlook", 1,
     "asistentka"),
    ("Ján Kollár", "jan.kollar@example.sk", "sk", "eu", "mutt", 1,
     "správca siete"),
    ("王伟", "wang.wei@example.cn", "zh", "cn", "foxmail", 3, "项目经理"),
    ("李娜", "li.na@example.cn", "zh", "cn", "gmail", 3, "财务部"),
    ("张敏", "zhang.min@example.cn", "zh", "cn", "foxmail", 1, "软件工程师"),
    ("陈静", "chen.jing@example.cn", "zh", "cn", "apple", 1, "市场部"),
]

COMPANIES = {
    "example.com": "Example Corp.",
    "example.org": "Example Foundation",
    "example.net": "Example Networks Ltd.",
    "mail.example.de": "Beispiel GmbH",
    "example.sk": "Príklad s.r.o.",
    "example.cn": "示例科技有限公司",
}

PHONES = {
    "example.com": "+1 555 0100 {n}", "example.org": "+1 555 0142 {n}",
    "example.net": "+44 20 7946 {n}", "mail.example.de": "+49 89 1234 {n}",
    "example.sk": "+421 2 5555 {n}", "example.cn": "+86 21 5555 {n}",
}

USER_AGENTS = {
    "mutt": ("User-Agent", ["NeoMutt/20220429", "Mutt/2.2.12 (2023-09-09)"]),
    "thunderbird": ("User-Agent", [
        "Mozilla Thunderbird",
        "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 "
        "Thunderbird/115.6.0",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:102.0) Gecko/20100101 "
        "Thunderbird/102.15.1"]),
    "outlook": ("X-Mailer", ["Microsoft Outlook 16.0",
                             "Microsoft Office Outlook 12.0"]),
    "apple": ("X-Mailer", ["Apple Mail (2.3731.700.6)",
                           "iPhone Mail (20H115)"]),
    "kmail": ("User-Agent", [
        "KMail/5.22.3 (Linux/6.1.0-13-amd64; KDE/5.103.0; x86_64; ; )",
        "KMail/4.14.10 (Linux/4.19.0-6-amd64; KDE/4.14.38; x86_64; ; )"]),
    "foxmail": ("X-Mailer", ["Foxmail 7.2.25.228[cn]"]),
}

MAILING_LISTS = [
    # list name, description, domain, language
    ("atlas-dev", "Project Atlas developers", "lists.example.org", "en"),
    ("tern-users", "tern users", "lists.example.net", "en"),
    ("stammtisch", "Stammtisch München", "lists.mail.example.de", "de"),
    ("vyvojari", "Vývojári Bratislava", "lists.example.sk", "sk"),
]

# --------------------------------------------------------------------------
# Text material

FILL = {
    "proj": ["Atlas", "Borealis", "Cobalt", "Delta", "Everest", "Fjord",
             "Granite", "Helios", "Ivory", "Juniper", "Kestrel", "Lumen",
             "Mercury", "Nimbus", "Orion", "Polaris", "Quartz", "Redwood"],
    "city": ["Berlin", "Bratislava", "Boston", "Munich", "Shanghai",
             "London", "Toronto", "Vienna", "Prague", "Seattle", "Dublin"],
    "city_de": ["München", "Köln", "Düsseldorf", "Nürnberg", "Zürich",
                "Wien", "Graz", "Lübeck", "Saarbrücken", "Würzburg"],
    "day": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
    "day_de": ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag"],
    "day_sk": ["v pondelok", "v utorok", "v stredu", "vo štvrtok",
               "v piatok"],
    "month": list(MONTHS_LONG),
    "month_de": list(MONTHS_DE),
    "month_sk": list(MONTHS_SK),
    "time": ["9:00", "9:30", "10:00", "10:45", "11:15", "13:00", "14:00",
             "14:30", "15:15", "16:00", "16:45"],
    "tech": ["PostgreSQL 16", "Kubernetes", "the new CI runners", "IPv6",
             "TLS 1.3", "SQLite", "gRPC", "Terraform", "the LDAP backend",
             "Rust", "the message queue"],
    "name": ["Alice", "Bob", "Carol", "Dave", "Emily", "Frank", "Grace",
             "Henry", "Isabel", "Karen", "Laura", "Michael", "Nina"],
    "name_de": ["Jürgen", "Käthe", "Stefan", "Anja", "Björn", "Frau Förster",
                "Lukas"],
    "name_sk": ["Ľubo", "Žofia", "Peter", "Zuzana", "Ján"],
    "name_zh": ["王伟", "李娜", "张敏", "陈静"],
}

SENTENCES = {
    "en": [
        "I had a look at the latest numbers for {proj} and they look better "
        "than expected.",
        "Could you send me the updated figures before {day}?",
        "The meeting with the {city} team has been moved to {time} on {day}.",
        "We still need a decision on whether to migrate to {tech} this "
        "quarter.",
        "Thanks for the quick turnaround on the review.",
        "I've attached the draft; comments are welcome until the end of the "
        "week.",
        "The build on the release branch has been failing since yesterday's "
        "merge.",
        "Let's keep the scope small and ship the first version in {month}.",
        "{name} mentioned that the invoice for EUR {amount} is still open.",
        "As discussed, the budget for {proj} is capped at EUR {amount} for "
        "now.",
        "Please make sure the test environment is cleaned up before the "
        "demo.",
        "I'm out of the office on {day} but reachable by phone.",
        "The customer in {city} asked for a short status call next week.",
        "Ticket #{num} describes the problem in more detail.",
        "I don't think we should change the API before the {month} release.",
        "The new server arrived and is being set up in rack {small}.",
        "Can we move our one-on-one to {time}?",
        "We measured a {pct}% improvement after switching to {tech}.",
        "Lunch is on me this time, see you at {time}.",
        "The contract draft from legal still has a few open points - mostly "
        "about liability.",
        "Apologies for the late reply, it's been a busy week.",
        "I'll forward this to {name} who knows the details.",
        "The logs show timeouts roughly every {small} minutes.",
        "Our backup job finished at {time} without errors.",
        "If nobody objects, I'll merge the change on {day}.",
        "The slides from the {city} workshop are on the shared drive.",
        "Please review the attached report and let me know if anything is "
        "missing.",
        "The deadline for the {proj} proposal is {month} {mday}.",
        "I booked the large meeting room for {day} afternoon.",
        "Rollout to the remaining regions starts on {month} {mday}.",
        "Travel expenses for {month} have to be submitted by Friday.",
        "Let me know whether {time} works for you...",
        "We should document the new on-call rotation in the wiki.",
        "The vendor confirmed delivery for week {week}.",
        "I fixed the typo in the config, the service restarted fine.",
        "Memory usage went down from {num} MB to about half of that.",
        "Does anyone remember why we pinned {tech} to the old version?",
        "The quarterly report is almost done, only the charts are missing.",
        "Happy to help, just ping me if anything else comes up.",
        "The phrase \"temporary workaround\" has been in that file since "
        "{year}.",
        "Total cost for the licences is EUR {amount} per year.",
        "We're still waiting for the \"final\" numbers from {name}.",
    ],
    "de": [
        "Vielen Dank für die schnelle Rückmeldung.",
        "Die Besprechung am {day_de} müssen wir leider auf {time} Uhr "
        "verschieben.",
        "Im Anhang findest du die überarbeitete Übersicht für {proj}.",
        "Könntest du bitte die Zahlen für {month_de} noch einmal prüfen?",
        "Die Rechnung über {amount_de} € ist noch nicht bezahlt worden.",
        "Ich bin nächste Woche in {city_de} und erst am {day_de} wieder im "
        "Büro.",
        "Grüße aus dem sonnigen Süden – hier ist es schon ziemlich heiß.",
        "Das Größenproblem beim Export ist jetzt behoben.",
        "Wir müssen uns noch über die Änderungen am Vertrag abstimmen.",
        "Bitte schick mir die endgültige Fassung bis spätestens {mday}. "
        "{month_de}.",
        "Die Straßenbahn fährt wegen Bauarbeiten leider nur bis zum "
        "Hauptbahnhof.",
        "Für die Schulung haben sich bisher {small} Personen angemeldet.",
        "Der Server im Rechenzentrum läuft wieder stabil.",
        "Können wir das Gespräch auf übermorgen verlegen?",
        "Zur Sicherheit habe ich die Datei noch einmal als PDF angehängt.",
        "Das Protokoll der letzten Sitzung liegt im gemeinsamen Ordner.",
        "Ich würde vorschlagen, dass wir zunächst die Kosten klären.",
        "Die Überweisung ist heute früh rausgegangen.",
        "Außerdem fehlt noch die Unterschrift von Frau Groß.",
        "Schöne Grüße auch an das ganze Team in {city_de}!",
        "Die Lieferung verzögert sich um ungefähr {small} Tage.",
        "Bei Rückfragen stehe ich gern zur Verfügung.",
        "Wir haben „Version {small}“ jetzt offiziell freigegeben.",
        "Laut Prüfbericht sind alle Maße in Ordnung.",
        "{name_de} kümmert sich um die Überprüfung der Schnittstelle.",
        "Der Kunde möchte gerne eine Übersicht über alle offenen Punkte.",
    ],
    "sk": [
        "Ďakujem za rýchlu odpoveď.",
        "Stretnutie {day_sk} presúvame na {time}.",
        "V prílohe posielam aktualizovaný prehľad projektu {proj}.",
        "Mohli by ste mi prosím poslať faktúru za {month_sk}?",
        "Zajtra budem v Žiline, v kancelárii budem až vo štvrtok.",
        "Účtovná uzávierka musí byť hotová do konca mesiaca.",
        "Školenie sa uskutoční v zasadačke na treťom poschodí.",
        "Ľutujem, ale termín sa mi nehodí.",
        "Všetky zmeny sú už nasadené na testovacom serveri.",
        "Prosím, skontrolujte čísla ešte raz.",
        "Prišla nám objednávka č. {num} od zákazníka z Košíc.",
        "Pekný víkend a vidíme sa v pondelok.",
        "Cena je {amount_de} € bez DPH.",
        "Dohodli sme sa, že dokumentáciu dopíšeme do piatku.",
        "Štatistiky za minulý týždeň sú v zdieľanom priečinku.",
        "Ďalšie kroky prediskutujeme na porade.",
        "{name_sk} sa postará o nasadenie novej verzie.",
        "Ospravedlňujem sa za neskorú odpoveď.",
    ],
    "zh": [
        "感谢您的及时回复。",
        "{proj}项目的进度报告已经放在共享文件夹里了。",
        "下周三下午{time}开会，请大家准时参加。",
        "请在周五之前把发票发给财务部。",
        "附件是本季度的销售数据，请查收。",
        "服务器昨晚已经升级完毕，目前运行正常。",
        "我下周去上海出差，有事请发邮件联系。",
        "关于合同的问题，我们明天再讨论一下。",
        "测试环境已经准备好了，可以开始测试。",
        "客户对新版本的反馈非常积极。",
        "这个问题已经修复，请再确认一下。",
        "预算大约是{num}元。",
        "周末愉快！",
        "请把会议纪要发给所有参会人员。",
        "新同事下周一入职，请帮忙安排座位。",
        "如果有任何问题，请随时联系我。",
        "{name_zh}负责下一阶段的测试工作。",
    ],
}

SUBJECTS = {
    "en": [
        "Project {proj}: status update for week {week}",
        "Meeting notes {month} {mday}",
        "Invoice {inv}",
        "Quarterly report Q{q} {year}",
        "Lunch on {day}?",
        "Reminder: {proj} review tomorrow at {time}",
        "Build failed on release-{small}.{small2}",
        "Draft agenda for the {proj} workshop in {city}",
        "Question about {tech}",
        "Travel expenses {month}",
        "Code review: {proj} import pipeline",
        "Server migration this weekend",
        "Offsite planning",
        "Your feedback on the {proj} roadmap",
        "Proposal to restructure the {proj} deployment pipeline, migrate the "
        "staging cluster and update the on-call rotation before the {month} "
        "release",
        "Summary of the discussion with the {city} office about licences, "
        "hardware budgets and the support contract for {year}",
        "Vacation {month} {mday}-{mday2}",
        "Contract renewal",
        "Welcome {name}!",
        "Slides for {day}",
        "Performance regression in {tech}",
        "Budget {year}: second draft",
    ],
    "de": [
        "Besprechung am {day_de} verschoben",
        "Rechnung Nr. {inv} – Zahlungserinnerung",
        "Übersicht der Änderungen für {proj}",
        "Grüße aus {city_de}",
        "Protokoll der Sitzung vom {mday}. {month_de}",
        "Größere Änderungen im Projekt {proj}",
        "Urlaubsplanung für {month_de}",
        "Frage zur Abrechnung der Dienstreise nach {city_de}",
        "Schulung „Datenschutz“ am {day_de}",
        "Zusammenfassung der Gespräche über die Änderungen an der "
        "Schnittstelle und die Prüfung der Maßnahmen für {year}",
        "Angebot für die Wartung {year}",
        "Weihnachtsfeier",
    ],
    "sk": [
        "Stretnutie {day_sk} o {time}",
        "Faktúra č. {inv}",
        "Ďakujem za pomoc s projektom {proj}",
        "Zmena termínu – Žilina",
        "Účtovná uzávierka za {month_sk}",
        "Pozvánka na školenie",
        "Štatistiky predaja za {month_sk} {year}",
        "Návrh zmluvy o spolupráci na projekte {proj} a ďalšie otázky "
        "týkajúce sa rozpočtu na rok {year}",
    ],
    "zh": [
        "会议通知：{proj}项目进度",
        "关于{proj}的季度报告",
        "发票 {inv}",
        "周末聚餐",
        "请查收附件",
        "下周的出差安排",
        "关于{year}年度预算和{proj}项目人员安排的讨论结果以及下一步工作计划",
    ],
}

GREETINGS = {
    "en": ["Hi {first},", "Hello {first},", "Dear {first},", "{first},",
           "Hi {first},", "Good morning {first},"],
    "de": ["Hallo {first},", "Guten Tag,", "Moin {first},", "Servus {first},",
           "Hi {first},", "Guten Morgen {first},"],
    "sk": ["Ahoj {first},", "Dobrý deň,", "Ahojte,", "Dobrý deň, {first},"],
    "zh": ["{first}，你好：", "各位好：", "您好，"],
}
LIST_GREETINGS = {"en": "Hi all,", "de": "Hallo zusammen,", "sk": "Ahojte,",
                  "zh": "各位好："}
CLOSINGS = {
    "en": ["Thanks,", "Best regards,", "Cheers,", "Best,", "Kind regards,",
           "Thanks in advance,"],
    "de": ["Viele Grüße", "Beste Grüße", "Schöne Grüße",
           "Mit freundlichen Grüßen", "Gruß"],
    "sk": ["S pozdravom", "Ďakujem", "Pekný deň", "Zdravím"],
    "zh": ["谢谢！", "祝好", "此致\n敬礼"],
}

REPLY_PREFIX = {"en": "Re:", "de": "AW:", "sk": "Re:", "zh": "回复:"}
FWD_PREFIX = {"en": "Fwd:", "de": "WG:", "sk": "PD:", "zh": "转发:"}

# --------------------------------------------------------------------------
# Small helpers


def _wrap(text, width):
    """Greedy word wrap without the cost of textwrap."""
    lines = []
    cur = []
    n = 0
    for w in text.split(" "):
        lw = len(w)
        if cur and n + 1 + lw > width:
            lines.append(" ".join(cur))
            cur = [w]
            n = lw
        else:
            n = n + 1 + lw if cur else lw
            cur.append(w)
    if cur:
        lines.append(" ".join(cur))
    return lines


def _wrap_cjk(text, width):
    return [text[k:k + width] for k in range(0, len(text), width)] or [""]


SMART = str.maketrans({"'": "\u2019"})


def smarten(line):
    """Outlook/Apple style typography (curly quotes, dashes, euro sign)."""
    if '"' in line:
        parts = line.split('"')
        out = [parts[0]]
        for k, p in enumerate(parts[1:]):
            out.append("\u201c" if k % 2 == 0 else "\u201d")
            out.append(p)
        line = "".join(out)
    return (line.translate(SMART).replace(" - ", " \u2013 ")
            .replace("EUR ", "\u20ac").replace("...", "\u2026"))


DOWNGRADE = str.maketrans({"\u20ac": "EUR", "\u201e": '"', "\u201c": '"',
                           "\u201d": '"', "\u2019": "'", "\u2018": "'",
                           "\u2013": "-", "\u2014": "--", "\u2026": "...",
                           "\u2022": "*"})

LEGACY = ("iso-8859-1", "iso-8859-2", "iso-8859-15", "us-ascii")


def encode_text(text, charset):
    """Encode text in charset, falling back to utf-8; returns (bytes, cs)."""
    low = charset.lower()
    if low in LEGACY:
        text = text.translate(DOWNGRADE)
    try:
        return text.encode(low), charset
    except UnicodeEncodeError:
        if low == "us-ascii":
            try:
                return text.encode("iso-8859-1"), "iso-8859-1"
            except UnicodeEncodeError:
                pass
        return text.encode("utf-8"), "utf-8"


def cte_encode(data, cte):
    if cte == "quoted-printable":
        out = binascii.b2a_qp(data, istext=True)
        return out if out.endswith(b"\n") else out + b"\n"
    if cte == "base64":
        return base64.encodebytes(data)
    return data if data.endswith(b"\n") else data + b"\n"


# RFC 2047 ------------------------------------------------------------------

def _q_table(safe):
    tab = []
    for b in range(256):
        if b == 0x20:
            tab.append("_")
        elif chr(b) in safe:
            tab.append(chr(b))
        else:
            tab.append("=%02X" % b)
    return tab


_ALNUM = ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
Q_PHRASE = _q_table(set(_ALNUM + "!*+-/"))
Q_TEXT = _q_table(set(chr(c) for c in range(33, 127)) - set("=?_"))
EW_MAX = 60       # keeps "Subject: Re: " + one word under 78 columns


def encoded_words(text, charset, enc, phrase=False):
    """Split text into RFC 2047 encoded words of at most EW_MAX chars."""
    prefix = "=?%s?%s?" % (charset, enc)
    room = EW_MAX - len(prefix) - 2
    low = charset.lower()
    words = []
    if enc in "Bb":
        buf = b""
        for ch in text:
            cb = ch.encode(low)
            if buf and (len(buf) + len(cb) + 2) // 3 * 4 > room:
                words.append(prefix + base64.b64encode(buf).decode() + "?=")
                buf = b""
            buf += cb
        words.append(prefix + base64.b64encode(buf).decode() + "?=")
    else:
        tab = Q_PHRASE if phrase else Q_TEXT
        cur = []
        n = 0
        for ch in text:
            q = "".join([tab[b] for b in ch.encode(low)])
            if cur and n + len(q) > room:
                words.append(prefix + "".join(cur) + "?=")
                cur = []
                n = 0
            cur.append(q)
            n += len(q)
        words.append(prefix + "".join(cur) + "?=")
    return words


def fits(text, charset):
    try:
        text.encode(charset)
        return True
    except UnicodeEncodeError:
        return False


def fold(name, tokens, limit=78):
    """One header field, folded between tokens at about limit columns."""
    line = name + ":"
    lines = []
    first = True
    for tok in tokens:
        if not first and len(line) + 1 + len(tok) > limit:
            lines.append(line)
            line = " " + tok
        else:
            line = line + " " + tok
        first = False
    lines.append(line)
    return "\n".join(lines)


_ATOM_OK = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+$")
_TOKEN_OK = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`{|}~-]+$")


class Person:
    __slots__ = ("idx", "name", "addr", "lang", "tz", "client", "title",
                 "first", "domain", "_phr", "bot")

    def __init__(self, idx, name, addr, lang, tz, client, title, bot=False):
        self.idx = idx
        self.name = name
        self.addr = addr
        self.lang = lang
        self.tz = tz
        self.client = client
        self.title = title
        self.bot = bot
        self.domain = addr.split("@", 1)[1]
        if lang == "zh" or not name:
            self.first = name
        elif "," in name:
            self.first = name.split(",", 1)[1].strip()
        elif name.startswith("Dr. "):
            self.first = name.split()[1]
        elif name.startswith("J. R."):
            self.first = "J. R."
        else:
            self.first = name.split()[0]
        self._phr = {}

    def phrase_tokens(self, style):
        """Display name as header tokens; style picks charset/encoding."""
        toks = self._phr.get(style)
        if toks is None:
            name = self.name
            if not name:
                toks = []
            elif name.isascii():
                if _ATOM_OK.match(name):
                    toks = [name]
                else:
                    toks = ['"' + name.replace("\\", "\\\\")
                            .replace('"', '\\"') + '"']
            else:
                cs, enc = style
                if not fits(name, cs):
                    cs = "UTF-8" if cs.isupper() else "utf-8"
                toks = encoded_words(name, cs, enc, phrase=True)
            self._phr[style] = toks
        return toks


def header_style(rng, client, text_lang):
    """(charset, encoding) a client would use for non-ASCII headers."""
    r = rng.random()
    if client == "mutt":
        if text_lang in ("de", "en"):
            return ("iso-8859-1", "Q") if r < 0.7 else ("utf-8", "Q")
        return ("utf-8", "Q") if r < 0.7 else ("utf-8", "B")
    if client == "thunderbird":
        return ("UTF-8", "B") if r < 0.8 else ("UTF-8", "Q")
    if client == "outlook":
        if text_lang == "de" and r < 0.5:
            return ("iso-8859-1", "Q")
        return ("utf-8", "B") if r < 0.7 else ("Windows-1252", "Q")
    if client == "gmail":
        if text_lang == "zh":
            return ("UTF-8", "B")
        return ("UTF-8", "Q") if r < 0.7 else ("UTF-8", "B")
    if client == "apple":
        return ("utf-8", "Q") if r < 0.8 else ("utf-8", "B")
    if client == "kmail":
        if text_lang == "sk":
            return ("iso-8859-2", "Q")
        return ("iso-8859-1", "Q") if r < 0.7 else ("utf-8", "Q")
    if client == "foxmail":
        return ("gb2312", "B") if r < 0.5 else ("utf-8", "B")
    return ("utf-8", "B") if r < 0.5 else ("utf-8", "Q")


def addr_tokens(person, style, last=True):
    toks = list(person.phrase_tokens(style))
    if toks:
        toks.append("<" + person.addr + ">" + ("" if last else ","))
    else:
        toks.append(person.addr + ("" if last else ","))
    return toks


def address_header(name, people, style):
    toks = []
    for k, p in enumerate(people):
        toks.extend(addr_tokens(p, style, k == len(people) - 1))
    return fold(name, toks)


def subject_tokens(prefix, stem, style):
    """Tokens for Subject: ASCII prefix, then words or encoded words."""
    toks = prefix.split() if prefix and prefix.isascii() else []
    text = stem
    if prefix and not prefix.isascii():
        text = prefix + " " + stem
    if text.isascii():
        toks.extend(text.split())
    else:
        cs, enc = style
        if not fits(text, cs):
            cs = "UTF-8" if cs.isupper() else "utf-8"
        toks.extend(encoded_words(text, cs, enc))
    return toks


# Time zones ------------------------------------------------------------------

_DST_CACHE = {}


def _nth_sunday(year, month, n):
    """Day of month of the n-th Sunday (n = -1: last Sunday)."""
    days = calendar.monthrange(year, month)[1]
    if n > 0:
        first = datetime.date(year, month, 1).weekday()
        return 1 + (6 - first) % 7 + 7 * (n - 1)
    last = datetime.date(year, month, days).weekday()
    return days - (last + 1) % 7


def _dst_range(rule, year):
    key = (rule, year)
    r = _DST_CACHE.get(key)
    if r is None:
        if rule == "eu":
            a = calendar.timegm((year, 3, _nth_sunday(year, 3, -1), 1, 0, 0))
            b = calendar.timegm((year, 10, _nth_sunday(year, 10, -1), 1, 0, 0))
        else:       # us, std offset in minutes after the colon
            std = int(rule[3:])
            a = calendar.timegm((year, 3, _nth_sunday(year, 3, 2), 2, 0, 0)) \
                - std * 60
            b = calendar.timegm((year, 11, _nth_sunday(year, 11, 1), 2, 0,
                                 0)) - (std + 60) * 60
        r = (a, b)
        _DST_CACHE[key] = r
    return r


TZ_RULES = {
    # zone: (standard offset minutes, dst rule or None, abbrevs)
    "eu": (60, "eu", ("CET", "CEST")),
    "uk": (0, "eu", ("GMT", "BST")),
    "us_e": (-300, "us:-300", ("EST", "EDT")),
    "us_c": (-360, "us:-360", ("CST", "CDT")),
    "us_p": (-480, "us:-480", ("PST", "PDT")),
    "cn": (480, None, ("CST", "CST")),
    "in": (330, None, ("IST", "IST")),
    "utc": (0, None, ("UTC", "UTC")),
}


def tz_offset(zone, t, year):
    std, rule, abbr = TZ_RULES[zone]
    if rule is None:
        return std, abbr[0]
    a, b = _dst_range(rule.replace(":", ""), year)
    if a <= t < b:
        return std + 60, abbr[1]
    return std, abbr[0]


def fmt_offset(off):
    sign = "+" if off >= 0 else "-"
    off = abs(off)
    return "%s%02d%02d" % (sign, off // 60, off % 60)


def rfc5322_date(t, off, style=0, abbr=None):
    lt = time.gmtime(t + off * 60)
    if style == 1:      # unpadded day, as many clients write it
        s = "%s, %d %s %d %02d:%02d:%02d %s" % (
            WEEKDAYS[lt.tm_wday], lt.tm_mday, MONTHS[lt.tm_mon - 1],
            lt.tm_year, lt.tm_hour, lt.tm_min, lt.tm_sec, fmt_offset(off))
    elif style == 2:    # no day of week
        s = "%d %s %d %02d:%02d:%02d %s" % (
            lt.tm_mday, MONTHS[lt.tm_mon - 1], lt.tm_year, lt.tm_hour,
            lt.tm_min, lt.tm_sec, fmt_offset(off))
    else:
        s = "%s, %02d %s %d %02d:%02d:%02d %s" % (
            WEEKDAYS[lt.tm_wday], lt.tm_mday, MONTHS[lt.tm_mon - 1],
            lt.tm_year, lt.tm_hour, lt.tm_min, lt.tm_sec, fmt_offset(off))
    if style == 3 and abbr:
        s += " (" + abbr + ")"
    return s, lt


# Attachments ---------------------------------------------------------------

def make_pdf(rng, title, size):
    head = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    text = title.encode("ascii", "replace").replace(b"(", b"[") \
        .replace(b")", b"]").replace(b"\\", b"/")
    content = b"BT /F1 18 Tf 72 760 Td (" + text + b") Tj ET\n"
    blob = rng.randbytes(max(64, size))
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content
        + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /EmbeddedFile /Length %d >>\nstream\n" % len(blob) + blob
        + b"\nendstream",
    ]
    out = [head]
    pos = len(head)
    offsets = []
    for k, body in enumerate(objs, 1):
        chunk = b"%d 0 obj\n" % k + body + b"\nendobj\n"
        offsets.append(pos)
        out.append(chunk)
        pos += len(chunk)
    out.append(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    out.extend(b"%010d 00000 n \n" % o for o in offsets)
    out.append(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
               % (len(objs) + 1, pos))
    return b"".join(out)


def _png_chunk(typ, body):
    return (struct.pack(">I", len(body)) + typ + body
            + struct.pack(">I", zlib.crc32(typ + body) & 0xffffffff))


def make_png(rng):
    w = rng.randint(16, 96)
    h = rng.randint(16, 64)
    stride = w * 3
    data = rng.randbytes(stride * h)
    raw = b"".join(b"\x00" + data[y * stride:(y + 1) * stride]
                   for y in range(h))
    return (b"\x89PNG\r\n\x1a\n"
            + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + _png_chunk(b"IDAT", zlib.compress(raw, 1))
            + _png_chunk(b"IEND", b""))


def make_jpeg(rng, size):
    return (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x48\x00\x48"
            b"\x00\x00" + rng.randbytes(size) + b"\xff\xd9")


# --------------------------------------------------------------------------
# Bodies are lists of blocks, rendered as plain, flowed or HTML text.
#   ("p", lines)        paragraph, pre-wrapped (soft breaks in flowed)
#   ("cjk", lines)      paragraph of CJK text, wrapped without spaces
#   ("lines", lines)    hard lines (greeting, closing)
#   ("attr", line)      attribution line; a following quote sticks to it
#   ("quote", lines)    quoted parent text
#   ("orig", lines)     Outlook/Foxmail style unquoted original
#   ("table", rows)
#   ("list", items)
#   ("link", text, url)
#   ("sig", lines)

def render_plain(blocks, flowed=False, delsp=False):
    out = []
    prev = None
    for blk in blocks:
        kind = blk[0]
        if out and not (kind == "quote" and prev == "attr"):
            out.append("")
        prev = kind
        if kind == "p":
            lines = blk[1]
            if flowed:
                tail = "  " if delsp else " "
                out.extend([ln + tail for ln in lines[:-1]])
                out.append(lines[-1])
            else:
                out.extend(lines)
        elif kind == "cjk":
            lines = blk[1]
            if flowed and delsp:
                out.extend([ln + " " for ln in lines[:-1]])
                out.append(lines[-1])
            else:
                out.extend(lines)
        elif kind == "lines":
            out.extend(blk[1])
        elif kind == "attr":
            out.append(blk[1])
        elif kind == "quote":
            if flowed:
                out.extend([(">" + ln) if ln.startswith(">") else
                            ("> " + ln) if ln else ">" for ln in blk[1]])
            else:
                out.extend([("> " + ln) if ln else ">" for ln in blk[1]])
        elif kind == "orig":
            out.extend(blk[1])
        elif kind == "table":
            rows = blk[1]
            widths = [max(len(r[c]) for r in rows)
                      for c in range(len(rows[0]))]
            for r in rows:
                out.append("  ".join(r[c].ljust(widths[c])
                                     for c in range(len(r))).rstrip())
        elif kind == "list":
            out.extend([blk[2] + " " + it for it in blk[1]])
        elif kind == "link":
            out.append("%s: <%s>" % (blk[1], blk[2]))
        elif kind == "sig":
            if out and out[-1] == "":
                out.pop()
            out.append("")
            out.append("-- ")
            out.extend(blk[1])
    if flowed:
        # space-stuff lines that would otherwise be misread
        out = [(" " + ln) if (ln.startswith(" ") or ln.startswith("From "))
               else ln for ln in out]
    return "\n".join(out) + "\n"


HTML_ESC = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;",
                          '"': "&quot;"})


class _EntityMap(dict):
    """str.translate table: non-ASCII characters to HTML entities."""

    def __missing__(self, c):
        if c < 128:
            v = HTML_ESC.get(c, chr(c))
        else:
            name = html.entities.codepoint2name.get(c)
            v = ("&%s;" % name) if name else ("&#%d;" % c)
        self[c] = v
        return v


HTML_ENT = _EntityMap()


def render_html(blocks, entities, outlook=False):
    tr = HTML_ENT if entities else HTML_ESC
    out = []
    if outlook:
        out.append('<html xmlns:o="urn:schemas-microsoft-com:office:office">')
        out.append("<head>")
        out.append('<meta http-equiv="Content-Type" content="text/html; '
                   'charset=utf-8">')
        out.append("<style><!--")
        out.append("p.MsoNormal, li.MsoNormal {margin:0cm; font-size:11.0pt; "
                   "font-family:\"Calibri\",sans-serif;}")
        out.append("--></style>")
        out.append("</head>")
        out.append('<body lang="EN-US" link="#0563C1" vlink="#954F72">')
        out.append('<div class="WordSection1">')
    else:
        out.append("<html>")
        out.append("<head>")
        out.append('<meta http-equiv="Content-Type" content="text/html; '
                   'charset=UTF-8">')
        out.append("</head>")
        out.append("<body>")
    pcls = ' class="MsoNormal"' if outlook else ""
    for blk in blocks:
        kind = blk[0]
        if kind in ("p", "cjk"):
            out.append("<p%s>" % pcls + "\n".join(
                [ln.translate(tr) for ln in blk[1]]) + "</p>")
        elif kind == "lines":
            out.append("<p%s>" % pcls + "<br>\n".join(
                [ln.translate(tr) for ln in blk[1]]) + "</p>")
        elif kind == "attr":
            out.append('<div class="moz-cite-prefix">'
                       + blk[1].translate(tr) + "<br>\n</div>")
        elif kind == "quote":
            out.append('<blockquote type="cite" style="margin:0 0 0 .8ex;'
                       'border-left:1px #ccc solid;padding-left:1ex">')
            out.append("<br>\n".join([ln.translate(tr) for ln in blk[1]]))
            out.append("</blockquote>")
        elif kind == "orig":
            out.append('<div style="border:none;border-top:solid #E1E1E1 '
                       '1.0pt;padding:3.0pt 0cm 0cm 0cm">')
            out.append("<br>\n".join([ln.translate(tr) for ln in blk[1]]))
            out.append("</div>")
        elif kind == "table":
            rows = blk[1]
            out.append('<table border="1" cellspacing="0" cellpadding="4" '
                       'style="border-collapse:collapse">')
            out.append("<tr>" + "".join(["<th>%s</th>" % c.translate(tr)
                                         for c in rows[0]]) + "</tr>")
            for r in rows[1:]:
                out.append("<tr>" + "".join(
                    ['<td align="right">%s</td>' % c.translate(tr)
                     if c[:1].isdigit() else "<td>%s</td>" % c.translate(tr)
                     for c in r]) + "</tr>")
            out.append("</table>")
        elif kind == "list":
            out.append("<ul>")
            out.extend(["<li>%s</li>" % it.translate(tr) for it in blk[1]])
            out.append("</ul>")
        elif kind == "link":
            out.append('<p%s>%s: <a href="%s">%s</a></p>' % (
                pcls, blk[1].translate(tr), blk[2], blk[2]))
        elif kind == "sig":
            out.append('<div class="moz-signature">-- <br>')
            out.append("<br>\n".join([ln.translate(tr) for ln in blk[1]]))
            out.append("</div>")
    if outlook:
        out.append("<p%s>&nbsp;</p>" % pcls)
        out.append("</div>")
    out.append("</body>")
    out.append("</html>")
    return "\n".join(out) + "\n"


# RFC 2231 --------------------------------------------------------------------

_ATTR_CHARS = set(_ALNUM + "!#$&+-.^_`|~")
PCT = ["%c" % b if chr(b) in _ATTR_CHARS else "%%%02X" % b
       for b in range(256)]


def _pct(ch, charset):
    return "".join([PCT[b] for b in ch.encode(charset)])


def rfc2231_params(attr, value, charset, cont, lang="", chunk=45):
    """Parameter strings for attr=value in RFC 2231 form; cont splits the
    value into continuations of about chunk octets."""
    if not cont:
        return ["%s*=%s'%s'%s" % (attr, charset, lang,
                                  "".join(_pct(c, charset) for c in value))]
    chunks = []
    cur = ""
    for ch in value:
        p = _pct(ch, charset)
        if cur and len(cur) + len(p) > chunk:
            chunks.append(cur)
            cur = ""
        cur += p
    chunks.append(cur)
    if len(chunks) == 1:
        return ["%s*=%s'%s'%s" % (attr, charset, lang, chunks[0])]
    out = ["%s*0*=%s'%s'%s" % (attr, charset, lang, chunks[0])]
    for k, c in enumerate(chunks[1:], 1):
        out.append("%s*%d*=%s" % (attr, k, c))
    return out


def ascii_params(attr, value, cont, token=False):
    if cont and len(value) > 40:
        parts = [value[k:k + 40] for k in range(0, len(value), 40)]
        return ['%s*%d="%s"' % (attr, k, p) for k, p in enumerate(parts)]
    if token and _TOKEN_OK.match(value):
        return ["%s=%s" % (attr, value)]
    return ['%s="%s"' % (attr, value)]


def params_header(name, value, params):
    """Content-Type/Disposition with one parameter per folded line when
    the line would be long."""
    line = "%s: %s" % (name, value)
    if not params:
        return line
    if len(line) + sum(len(p) + 2 for p in params) <= 78:
        return line + "".join("; " + p for p in params)
    return line + ";\n\t" + ";\n\t".join(params)


# --------------------------------------------------------------------------


class Entry:
    """A message others can reply to (kept in a bounded window)."""
    __slots__ = ("msgid", "refs", "stem", "lang", "person", "tos", "t",
                 "off", "date_hdr", "lines", "thread", "subject")


class Thread:
    __slots__ = ("stem", "lang", "people", "mlist", "last", "depth")


class Corpus:
    def __init__(self, seed, count, large, start_ts):
        self.rng = rng = random.Random(seed)
        self.count = count
        self.people = [Person(k, *p[:5], title=p[6])
                       for k, p in enumerate(PEOPLE)]
        self.weights = []
        acc = 0
        for p in PEOPLE:
            acc += p[5]
            self.weights.append(acc)
        self.owner = Person(-1, OWNER_NAME, OWNER_ADDR, "en", "eu", "mutt",
                            "")
        self.by_lang = {}
        for p in self.people:
            self.by_lang.setdefault(p.lang, []).append(p)
        self.bots = {
            "gitlab": Person(-2, "GitLab", "gitlab@example.org", "en", "utc",
                             "bot", "", True),
            "billing": Person(-3, "Example Hosting Billing",
                              "billing@example.net", "en", "eu", "bot", "",
                              True),
            "news": Person(-4, "Example Weekly", "news@example.com", "en",
                           "us_e", "bot", "", True),
            "calendar": Person(-5, "Google Calendar",
                               "calendar-notification@example.com", "en",
                               "utc", "bot", "", True),
            "cron": Person(-6, "", "root@example.net", "en", "utc", "bot", "",
                           True),
            "root": Person(-7, "", "root@example.net", "en", "utc", "bot", "",
                           True),
        }
        self.sents = {}
        self._build_paragraphs()

        # time line: about two years for 100,000 messages, shorter (but not
        # proportionally shorter) for small corpora
        span_days = max(3.0, 730.0 * (count / 100000.0) ** 0.5)
        self.mean_gap = span_days * 86400.0 / max(count, 1)
        self.t = float(start_ts + 7 * 3600 + rng.randrange(3600))
        self.delivered = 0

        # very large messages, one per stratum of the corpus
        self.large_at = set()
        if large:
            for j in range(large):
                lo = j * count // large
                hi = max(lo + 1, (j + 1) * count // large)
                self.large_at.add(rng.randrange(lo, hi))

        frac = rng.uniform(0.03, 0.05)
        self.new_from = count - int(count * frac + 0.5)

        self.window = deque(maxlen=400)
        self.active = []
        self.boundary_n = 0

    # -- material ---------------------------------------------------------

    def _fill(self, tmpl):
        rng = self.rng
        if "{" not in tmpl:
            return tmpl
        vals = {}
        for key in re.findall(r"{(\w+)}", tmpl):
            if key in vals:
                continue
            if key in FILL:
                vals[key] = rng.choice(FILL[key])
            elif key == "num":
                vals[key] = str(rng.randint(100, 9999))
            elif key in ("small", "small2"):
                vals[key] = str(rng.randint(2, 30))
            elif key in ("mday", "mday2"):
                vals[key] = str(rng.randint(1, 28))
            elif key == "pct":
                vals[key] = str(rng.randint(5, 60))
            elif key == "week":
                vals[key] = str(rng.randint(1, 52))
            elif key == "q":
                vals[key] = str(rng.randint(1, 4))
            elif key == "year":
                vals[key] = str(rng.choice((2023, 2024, 2025, 2026)))
            elif key == "amount":
                vals[key] = "{:,}.{:02d}".format(rng.randint(80, 40000),
                                                 rng.randrange(100))
            elif key == "amount_de":
                vals[key] = "{:,}".format(rng.randint(80, 40000)) \
                    .replace(",", ".") + ",%02d" % rng.randrange(100)
            elif key == "inv":
                vals[key] = "INV-%d-%05d" % (rng.choice((2024, 2025)),
                                             rng.randrange(100000))
            else:
                vals[key] = key
        return tmpl.format(**vals)

    def _build_paragraphs(self):
        """Pools of filled-in sentences; paragraphs are drawn per message."""
        rng = self.rng
        for lang, sents in SENTENCES.items():
            self.sents[lang] = [self._fill(rng.choice(sents))
                                for _ in range(1500 if lang == "en" else 800)]
        self.sents["en-smart"] = [smarten(x) for x in self.sents["en"]]

    def para(self, lang, smart=False):
        rng = self.rng
        pool = self.sents["en-smart" if smart and lang == "en" else lang]
        n = len(pool)
        k = rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5))
        if lang == "zh":
            return ("cjk", _wrap_cjk("".join(
                [pool[rng.randrange(n)] for _ in range(k)]), 36))
        return ("p", _wrap(" ".join([pool[rng.randrange(n)]
                                     for _ in range(k)]), 72))

    def pick_person(self, exclude=()):
        rng = self.rng
        while True:
            k = rng.choices(range(len(self.people)),
                            cum_weights=self.weights)[0]
            p = self.people[k]
            if p not in exclude:
                return p

    def next_time(self):
        """Advance the clock: busier in (CET) office hours than at night."""
        rng = self.rng
        t = self.t
        m0 = self.mean_gap * 0.45
        while True:
            t += rng.expovariate(1.0 / m0)
            lt = time.gmtime(t + 3600)
            h = lt.tm_hour
            if lt.tm_wday >= 5:
                w = 0.25
            elif 8 <= h < 18:
                w = 1.0
            elif 18 <= h < 23 or h == 7:
                w = 0.35
            else:
                w = 0.1
            if rng.random() < w:
                break
        self.t = t
        return t

    def boundary(self, client):
        rng = self.rng
        self.boundary_n += 1
        h = "%024x" % rng.getrandbits(96)
        n = self.boundary_n
        if client == "thunderbird":
            return "------------%s%d" % (h[:18].upper(), n)
        if client == "outlook":
            return "_%03d_%s_" % (n % 1000, h.upper())
        if client == "gmail":
            return "0000000000%s%x" % (h[:14], n)
        if client == "apple":
            return "Apple-Mail=_%s-%s-%d" % (h[:8].upper(), h[8:12].upper(), n)
        if client == "foxmail":
            return "----=_NextPart_%s_%d" % (h[:16].upper(), n)
        return "%s%d" % (h[:20], n)

    def signature(self, p):
        rng = self.rng
        lines = [p.name if "," not in p.name else
                 p.first + " " + p.name.split(",")[0]]
        if p.title:
            lines.append("%s, %s" % (p.title, COMPANIES[p.domain]))
        if rng.random() < 0.6:
            lines.append(PHONES[p.domain].format(n=rng.randint(100, 999)))
        if rng.random() < 0.3:
            lines.append("https://www.%s/" % p.domain.replace("mail.", ""))
        return ("sig", lines)

    # -- bodies ---------------------------------------------------------------

    def attribution(self, parent, lang, client):
        lt = time.gmtime(parent.t + parent.off * 60)
        name = parent.person.name
        addr = parent.person.addr
        hm = "%02d:%02d" % (lt.tm_hour, lt.tm_min)
        if client == "mutt":
            return "On %s, %s wrote:" % (parent.date_hdr, name) \
                if lang != "de" else "Am %s schrieb %s:" % (parent.date_hdr,
                                                            name)
        if client == "gmail":
            if lang == "de":
                return "Am %s., %d. %s %d um %s Uhr schrieb %s <%s>:" % (
                    WEEKDAYS_DE[lt.tm_wday][:2], lt.tm_mday,
                    MONTHS_DE[lt.tm_mon - 1][:3], lt.tm_year, hm, name, addr)
            if lang == "zh":
                return "%s <%s> 于%d年%d月%d日周%s %s写道：" % (
                    name, addr, lt.tm_year, lt.tm_mon, lt.tm_mday,
                    "一二三四五六日"[lt.tm_wday], hm)
            h12 = lt.tm_hour % 12 or 12
            return "On %s, %s %d, %d at %d:%02d %s %s <%s> wrote:" % (
                WEEKDAYS[lt.tm_wday], MONTHS[lt.tm_mon - 1], lt.tm_mday,
                lt.tm_year, h12, lt.tm_min, "AM" if lt.tm_hour < 12 else "PM",
                name, addr)
        if client == "kmail":
            if lang == "de":
                return "Am %s, %d. %s %d, %s:%02d schrieb %s:" % (
                    WEEKDAYS_DE[lt.tm_wday], lt.tm_mday,
                    MONTHS_DE[lt.tm_mon - 1], lt.tm_year, hm, lt.tm_sec, name)
            return "On %s, %d %s %d %s:%02d %s wrote:" % (
                WEEKDAYS_LONG[lt.tm_wday], lt.tm_mday,
                MONTHS_LONG[lt.tm_mon - 1], lt.tm_year, hm, lt.tm_sec, name)
        if client == "apple":
            return "On %s %d, %d, at %s, %s <%s> wrote:" % (
                MONTHS[lt.tm_mon - 1], lt.tm_mday, lt.tm_year, hm, name, addr)
        # thunderbird and the rest
        if lang == "de":
            return "Am %02d.%02d.%02d um %s schrieb %s:" % (
                lt.tm_mday, lt.tm_mon, lt.tm_year % 100, hm, name)
        if lang == "sk":
            return "Dňa %d. %d. %d o %s %s napísal(a):" % (
                lt.tm_mday, lt.tm_mon, lt.tm_year, hm, name)
        if lang == "zh":
            return "在 %d/%d/%d %s, %s 写道:" % (
                lt.tm_year, lt.tm_mon, lt.tm_mday, hm, name)
        return "On %d/%d/%02d %s, %s wrote:" % (
            lt.tm_mon, lt.tm_mday, lt.tm_year % 100, hm, name)

    def orig_block(self, parent, lang, client):
        """Outlook/Foxmail style header block above the unquoted original."""
        p = parent.person
        to = ", ".join(x.name or x.addr for x in parent.tos)
        if client == "foxmail":
            head = ["------------------ Original ------------------",
                    "From: \"%s\" <%s>" % (p.name, p.addr),
                    "Date: %s" % parent.date_hdr,
                    "To: %s" % to,
                    "Subject: %s" % parent.subject]
        else:
            labels = {
                "de": ("-----Ursprüngliche Nachricht-----", "Von", "Gesendet",
                       "An", "Betreff"),
                "sk": ("-----Pôvodná správa-----", "Od", "Odoslané", "Komu",
                       "Predmet"),
            }.get(lang, ("-----Original Message-----", "From", "Sent", "To",
                         "Subject"))
            lt = time.gmtime(parent.t + parent.off * 60)
            head = [labels[0],
                    "%s: %s <%s>" % (labels[1], p.name, p.addr),
                    "%s: %s, %s %d, %d %d:%02d %s" % (
                        labels[2], WEEKDAYS_LONG[lt.tm_wday],
                        MONTHS_LONG[lt.tm_mon - 1], lt.tm_mday, lt.tm_year,
                        lt.tm_hour % 12 or 12, lt.tm_min,
                        "AM" if lt.tm_hour < 12 else "PM"),
                    "%s: %s" % (labels[3], to),
                    "%s: %s" % (labels[4], parent.subject)]
        return ("orig", head + [""] + self.quote_lines(parent, 30))

    def quote_lines(self, parent, limit):
        lines = []
        for ln in parent.lines[:limit]:
            if ln.startswith(">>>") or ln.startswith("> > >"):
                continue
            lines.append(ln)
        while lines and not lines[-1]:
            lines.pop()
        return lines

    def compose(self, sender, lang, client, parent, greet_to, mlist, nparas):
        """Body blocks and the plain lines others will quote."""
        rng = self.rng
        smart = client in ("outlook", "apple") and lang == "en"
        blocks = []
        own = []
        if greet_to is not None and rng.random() < 0.8:
            if mlist:
                g = LIST_GREETINGS[lang]
            else:
                g = rng.choice(GREETINGS[lang]).format(first=greet_to.first)
            own.append(("lines", [g]))
        for _ in range(nparas):
            own.append(self.para(lang, smart))
        if rng.random() < 0.08:
            items = [self._fill(rng.choice(SENTENCES[lang])).rstrip(".")
                     for _ in range(rng.randint(2, 5))]
            own.insert(min(2, len(own)), ("list", items,
                                          "\u2022" if smart else
                                          rng.choice("-*")))
        if client in ("outlook", "gmail") and rng.random() < 0.1:
            own.append(("table", self.table_rows(lang)))
        if rng.random() < 0.1:
            proj = rng.choice(FILL["proj"])
            num = rng.randint(100, 99999)
            own.append(("link", "%s #%d" % (proj, num),
                        "https://tracker.example.org/%s/issues/%d"
                        % (proj.lower(), num)))
        closing = rng.choice(CLOSINGS[lang]).split("\n")
        own.append(("lines", closing + [sender.first]))
        sig = self.signature(sender) if rng.random() < 0.5 else None

        if parent is None:
            blocks = list(own)
        elif client in ("outlook", "foxmail"):
            blocks = own + ([sig] if sig else []) + \
                [self.orig_block(parent, lang, client)]
            sig = None
        else:
            attr = ("attr", self.attribution(parent, lang, client))
            quote = ("quote", self.quote_lines(parent,
                                               rng.randint(4, 20)))
            if client in ("gmail", "apple") or rng.random() < 0.2:
                blocks = own + [attr, quote]
            else:
                blocks = [attr, quote] + own
        if sig:
            blocks.append(sig)
        plain = render_plain(own).split("\n")[:24]
        return blocks, plain

    def table_rows(self, lang):
        rng = self.rng
        head = {"de": ["Position", "Menge", "Preis"],
                "sk": ["Položka", "Množstvo", "Cena"],
                "zh": ["项目", "数量", "价格"]}.get(lang, ["Item", "Qty",
                                                        "Price"])
        items = {"de": ["Wartung", "Lizenzen", "Schulung", "Anfahrt",
                        "Prüfung"],
                 "sk": ["Údržba", "Licencie", "Školenie", "Doprava"],
                 "zh": ["维护", "许可证", "培训", "差旅"]}.get(
                     lang, ["Support hours", "Licences", "Training",
                            "Travel", "Hardware"])
        rows = [head]
        for it in rng.sample(items, rng.randint(2, len(items))):
            rows.append([it, str(rng.randint(1, 40)),
                         "%d.%02d \u20ac" % (rng.randint(10, 4000),
                                             rng.randrange(100))])
        return rows

    # -- MIME parts: (header lines, body bytes) ------------------------------

    def text_part(self, blocks, client, lang, flowed=False, delsp=False,
                  force_cs=None, force_cte=None):
        rng = self.rng
        text = render_plain(blocks, flowed, delsp)
        r = rng.random()
        if force_cs:
            cs, cte = force_cs, force_cte or "8bit"
        elif client == "mutt":
            if text.isascii():
                cs, cte = "us-ascii", "7bit"
            elif fits(text, "latin-1"):
                cs, cte = "iso-8859-1", "8bit"
            else:
                cs, cte = "utf-8", "8bit" if r < 0.85 else "quoted-printable"
        elif client == "thunderbird":
            cs, cte = "UTF-8", "8bit" if r < 0.8 else "quoted-printable"
            if text.isascii() and r < 0.5:
                cs, cte = "UTF-8", "7bit"
        elif client == "outlook":
            cs = "windows-1252" if lang == "en" and r < 0.75 else (
                "iso-8859-1" if lang == "de" and r < 0.5 else "utf-8")
            cte = "quoted-printable" if rng.random() < 0.8 else "8bit"
        elif client == "gmail":
            cs = "UTF-8"
            cte = "base64" if lang == "zh" or r < 0.1 else "quoted-printable"
            if text.isascii() and r > 0.6:
                cte = "7bit"
        elif client == "apple":
            cs, cte = "utf-8", "quoted-printable"
            if r < 0.15:
                cs = "us-ascii" if text.isascii() else "utf-8"
                cte = "7bit" if text.isascii() else "8bit"
        elif client == "kmail":
            cs = "iso-8859-2" if lang == "sk" else (
                "iso-8859-1" if r < 0.8 else "utf-8")
            cte = "quoted-printable" if rng.random() < 0.7 else "8bit"
        elif client == "foxmail":
            cs = "gb2312" if r < 0.5 else "utf-8"
            cte = "base64"
        else:
            cs, cte = "utf-8", "8bit"
        data, cs = encode_text(text, cs)
        if cte == "7bit" and not data.isascii():
            cte = "8bit"
        ct = "text/plain; charset=%s" % (
            '"%s"' % cs if client == "gmail" else cs)
        if flowed:
            ct += "; format=flowed"
            if delsp:
                ct += "; delsp=yes"
        hdrs = ["Content-Type: " + ct]
        if cte != "7bit" or rng.random() < 0.7:
            hdrs.append("Content-Transfer-Encoding: " + cte)
        return hdrs, cte_encode(data, cte)

    def html_part(self, blocks, client):
        rng = self.rng
        entities = client == "outlook" or rng.random() < 0.3
        text = render_html(blocks, entities, client == "outlook")
        data = text.encode("utf-8")
        if data.isascii():
            cte = "7bit" if rng.random() < 0.5 else "quoted-printable"
        else:
            cte = "base64" if client in ("foxmail", "gmail") and \
                rng.random() < 0.4 else "quoted-printable"
        if cte == "7bit" and max(map(len, text.split("\n"))) > 900:
            cte = "quoted-printable"
        cs = '"UTF-8"' if client == "gmail" else "utf-8"
        return (["Content-Type: text/html; charset=%s" % cs,
                 "Content-Transfer-Encoding: " + cte],
                cte_encode(data, cte))

    def multipart(self, subtype, parts, client, extra=""):
        b = self.boundary(client)
        hdrs = ['Content-Type: multipart/%s;%s\n\tboundary="%s"' % (
            subtype, extra, b)]
        out = []
        if client in ("thunderbird", "outlook", "foxmail") and \
                subtype == "mixed":
            out.append(b"This is a multi-part message in MIME format.\n")
        bb = b.encode("ascii")
        for ph, pb in parts:
            out.append(b"\n--" + bb + b"\n" if out else b"--" + bb + b"\n")
            out.append("\n".join(ph).encode("ascii"))
            out.append(b"\n\n")
            out.append(pb)
        out.append(b"\n--" + bb + b"--\n")
        return hdrs, b"".join(out)

    def attachment(self, lang, kind=None, big=0):
        """One attachment part with a realistic name."""
        rng = self.rng
        if kind is None:
            kind = rng.choice(("pdf", "pdf", "pdf", "png", "jpg", "csv",
                               "docx", "xlsx", "txt", "patch", "ics"))
        year = rng.choice((2024, 2025))
        names = {
            "pdf": ["report-%d-Q%d.pdf" % (year, rng.randint(1, 4)),
                    "invoice-%05d.pdf" % rng.randrange(100000),
                    "Übersicht.pdf", "Übersicht_%s.pdf" % rng.choice(
                        MONTHS_DE),
                    "Zusammenfassung der Änderungen für das Projekt "
                    "Größenwahn – endgültige Fassung.pdf",
                    "Ročná správa %d.pdf" % year, "Faktúra_č_%d.pdf"
                    % rng.randint(100, 999), "会议纪要.pdf",
                    "Meeting minutes %s %d (final, reviewed by legal and "
                    "finance).pdf" % (rng.choice(MONTHS_LONG), year)],
            "png": ["screenshot.png", "Bildschirmfoto %d-%02d-%02d um "
                    "%02d.%02d.%02d.png" % (year, rng.randint(1, 12),
                                            rng.randint(1, 28),
                                            rng.randint(8, 19),
                                            rng.randint(0, 59),
                                            rng.randint(0, 59)),
                    "diagram.png", "截图.png", "logo-small.png"],
            "jpg": ["IMG_%04d.JPG" % rng.randint(1, 9999), "photo.jpg",
                    "Fotka z výletu.jpg", "Grüße aus Köln.jpg"],
            "csv": ["data.csv", "export-%d.csv" % year, "Umsätze_%d.csv"
                    % year, "štatistiky.csv"],
            "docx": ["Proposal.docx", "Vertragsentwurf_v%d.docx"
                     % rng.randint(2, 9), "Návrh zmluvy.docx", "合同草案.docx"],
            "xlsx": ["budget-%d.xlsx" % year, "Kostenübersicht.xlsx",
                     "Rozpočet %d.xlsx" % year],
            "txt": ["build.log", "notes.txt", "README.txt"],
            "patch": ["0001-fix-timeout-handling.patch", "fix.diff"],
            "ics": ["invite.ics"],
        }[kind]
        fname = rng.choice(names)
        if big:
            kind = rng.choice(("zip", "mp4", "tgz", "iso"))
            fname = {"zip": "backup-%d.zip" % year,
                     "mp4": "Aufzeichnung Besprechung %d.mp4" % year,
                     "tgz": "logs-%d.tar.gz" % year,
                     "iso": "install-image.iso"}[kind]
        cte = "base64"
        cs_param = None
        if kind == "pdf":
            ctype = "application/pdf"
            data = make_pdf(rng, "Document %d" % rng.randrange(10000),
                            rng.randint(2000, 50000))
        elif kind == "png":
            ctype = "image/png"
            data = make_png(rng)
        elif kind == "jpg":
            ctype = "image/jpeg"
            data = make_jpeg(rng, rng.randint(8000, 90000))
        elif kind in ("docx", "xlsx"):
            ctype = ("application/vnd.openxmlformats-officedocument."
                     + ("wordprocessingml.document" if kind == "docx" else
                        "spreadsheetml.sheet"))
            data = b"PK\x03\x04\x14\x00\x06\x00" + rng.randbytes(
                rng.randint(6000, 40000))
        elif kind == "csv":
            ctype = "text/csv"
            cs_param = "utf-8"
            rows = ["Date;Name;Amount;Currency;Comment"]
            for _ in range(rng.randint(5, 80)):
                p = rng.choice(self.people)
                rows.append("%d-%02d-%02d;%s;%d,%02d;EUR;%s" % (
                    year, rng.randint(1, 12), rng.randint(1, 28), p.name,
                    rng.randint(1, 9000), rng.randrange(100),
                    rng.choice(("", "Übertrag", "storno", "záloha",
                                "\"quoted; value\""))))
            data = ("\n".join(rows) + "\n").encode("utf-8")
            cte = rng.choice(("base64", "quoted-printable"))
        elif kind == "txt":
            ctype = "text/plain"
            cs_param = "us-ascii"
            lines = []
            t0 = rng.randint(0, 86000)
            for k in range(rng.randint(10, 120)):
                t0 += rng.randint(0, 30)
                lines.append("%02d:%02d:%02d %s %s" % (
                    t0 // 3600 % 24, t0 // 60 % 60, t0 % 60,
                    rng.choice(("INFO", "INFO", "WARN", "ERROR", "DEBUG")),
                    rng.choice(("connection established", "retrying request",
                                "cache miss for key %d" % k,
                                "job finished in %d ms" % rng.randint(1, 900),
                                "timeout after 30 s", "disk usage at %d%%"
                                % rng.randint(40, 99)))))
            data = ("\n".join(lines) + "\n").encode("ascii")
            cte = "7bit"
        elif kind == "patch":
            ctype = "text/x-diff"
            cs_param = "utf-8"
            n = rng.randint(10, 400)
            data = ("From: %s\nSubject: [PATCH] Fix timeout handling\n\n---\n"
                    " src/net.c | 4 ++--\n 1 file changed\n\n"
                    "diff --git a/src/net.c b/src/net.c\n"
                    "--- a/src/net.c\n+++ b/src/net.c\n"
                    "@@ -%d,7 +%d,7 @@ static int connect_once("
                    "struct conn *c)\n"
                    "     int fd = c->fd;\n-    int timeout = 30;\n"
                    "+    int timeout = c->timeout ? c->timeout : 30;\n"
                    "     if (fd < 0)\n-        return -1;\n"
                    "+        return -errno;\n"
                    "     return poll_fd(fd, timeout);\n"
                    % ("Frank Turner <frank@example.org>", n, n)).encode()
            cte = "8bit" if rng.random() < 0.5 else "7bit"
        elif kind == "ics":
            ctype = "text/calendar"
            cs_param = "utf-8"
            data = self.ics(rng).replace(b"\n", b"\r\n")
        else:
            ctype = {"zip": "application/zip", "mp4": "video/mp4",
                     "tgz": "application/gzip",
                     "iso": "application/octet-stream"}[kind]
            magic = {"zip": b"PK\x03\x04\x14\x00\x00\x00",
                     "mp4": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00",
                     "tgz": b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03",
                     "iso": b"\x00" * 16}[kind]
            data = magic + rng.randbytes(big - len(magic))

        # the name, in one of the forms real clients use
        r = rng.random()
        disp = "inline" if kind in ("png", "jpg", "patch") and \
            rng.random() < 0.3 else "attachment"
        if fname.isascii():
            cont = len(fname) > 40 and r < 0.5
            token = rng.random() < 0.2
            dparams = ascii_params("filename", fname, cont, token)
            cparams = ascii_params("name", fname, False, token) \
                if r < 0.8 else []
        else:
            if r < 0.08 and fits(fname, "latin-1"):
                dparams = rfc2231_params("filename", fname, "iso-8859-1",
                                         False)
            elif r < 0.12:
                dparams = rfc2231_params("filename", fname, "utf-8", False,
                                         "de" if lang == "de" else "")
            else:
                dparams = rfc2231_params("filename", fname, "utf-8",
                                         len(fname) > 20 or r < 0.5,
                                         chunk=rng.randint(20, 50))
            r2 = rng.random()
            if r2 < 0.35:       # what Outlook and Thunderbird used to send
                cparams = ['name="%s"' % " ".join(
                    encoded_words(fname, "UTF-8", "B"))]
            elif r2 < 0.7:
                cparams = rfc2231_params("name", fname, "utf-8",
                                         len(fname) > 20)
            else:
                cparams = []
        if cs_param:
            cparams = ["charset=" + cs_param] + cparams
        if ctype == "text/calendar":
            cparams = ["method=REQUEST"] + cparams
        hdrs = [params_header("Content-Type", ctype, cparams)]
        if rng.random() < 0.15:
            hdrs.append("Content-Description: " + (
                fname if fname.isascii() else
                " ".join(encoded_words(fname, "utf-8", "Q"))))
        hdrs.append(params_header("Content-Disposition", disp, dparams))
        hdrs.append("Content-Transfer-Encoding: " + cte)
        return hdrs, cte_encode(data, cte)

    def ics(self, rng):
        y, mo, d = rng.choice((2024, 2025)), rng.randint(1, 12), \
            rng.randint(1, 28)
        h = rng.randint(8, 17)
        uid = "%032x" % rng.getrandbits(128)
        summary = self._fill(rng.choice(SUBJECTS["en"]))[:60]
        return ("BEGIN:VCALENDAR\nPRODID:-//Example Corp//Calendar 1.0//EN\n"
                "VERSION:2.0\nMETHOD:REQUEST\nBEGIN:VEVENT\n"
                "DTSTART:%04d%02d%02dT%02d0000Z\n"
                "DTEND:%04d%02d%02dT%02d0000Z\n"
                "UID:%s@example.com\nORGANIZER;CN=Alice Example:"
                "mailto:alice@example.com\n"
                "ATTENDEE;CN=Sam Tester;ROLE=REQ-PARTICIPANT;"
                "PARTSTAT=NEEDS-ACTION:\n mailto:tester@example.com\n"
                "SUMMARY:%s\nLOCATION:Room %d\nSTATUS:CONFIRMED\n"
                "END:VEVENT\nEND:VCALENDAR\n" % (
                    y, mo, d, h, y, mo, d, h + 1, uid, summary,
                    rng.randint(100, 400))).encode("utf-8")

    def forwarded_message(self, parent):
        """The parent as a message/rfc822 part."""
        rng = self.rng
        p = parent.person
        style = ("utf-8", "B")
        hdrs = [address_header("From", [p], style),
                "Date: " + parent.date_hdr,
                subject_tokens_header(parent.subject, style),
                address_header("To", parent.tos, style),
                "Message-ID: " + parent.msgid,
                "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=utf-8"]
        text = "\n".join(parent.lines).rstrip("\n") + "\n"
        data = text.encode("utf-8")
        if data.isascii():
            cte, outer = "7bit", "7bit"
        elif rng.random() < 0.5:
            cte, outer = "quoted-printable", "7bit"
        else:
            cte, outer = "8bit", "8bit"
        hdrs.append("Content-Transfer-Encoding: " + cte)
        inner = "\n".join(hdrs).encode("ascii") + b"\n\n" + \
            cte_encode(data, cte)
        ph = ["Content-Type: message/rfc822"]
        if rng.random() < 0.6:
            ph.append('Content-Disposition: attachment; filename="%s"' %
                      rng.choice(("forwarded message.eml", "message.eml",
                                  "Fwd.eml")))
        else:
            ph.append("Content-Disposition: inline")
        if outer != "7bit" or rng.random() < 0.5:
            ph.append("Content-Transfer-Encoding: " + outer)
        return ph, inner

    # -- one message ----------------------------------------------------------

    def make_msgid(self, seq, t, domain, client):
        rng = self.rng
        lt = time.gmtime(t)
        h = rng.getrandbits(64)
        if client == "thunderbird" or client == "apple":
            u = "%08x" % rng.getrandbits(32)
            return "<%s-%04x-%04x-%04x-%012x@%s>" % (
                u, seq >> 16 & 0xffff, seq & 0xffff, h >> 48,
                h & 0xffffffffffff, domain)
        if client == "gmail":
            return "<CA%s%x+%s@mail.%s>" % (
                base64.b32encode(h.to_bytes(8, "big")).decode().rstrip("="),
                seq, "%x" % (h >> 20), "example.com" if rng.random() < 0.9
                else domain)
        if client == "outlook":
            return "<%012X%06d.%s@%s>" % (h & 0xffffffffffff, seq,
                                          time.strftime("%Y%m%d", lt), domain)
        return "<%s.%x.%016x@%s>" % (time.strftime("%Y%m%d%H%M%S", lt), seq,
                                     h, domain)

    def message(self, i):
        rng = self.rng
        t = self.next_time()
        seq = i + 1
        large = i in self.large_at

        r = rng.random()
        if large:
            kind = "large"
        elif r < 0.40 and self.window:
            kind = "reply"
        elif r < 0.43 and self.window:
            kind = "forward"
        elif r < 0.55:
            kind = "bot"
        else:
            kind = "new"
        if kind == "bot":
            return self.bot_message(seq, t) + (kind,)

        parent = None
        thread = None
        if kind == "reply":
            if self.active and rng.random() < 0.75:
                thread = rng.choice(self.active)
                parent = thread.last
            else:
                w = self.window
                parent = w[len(w) - 1 - min(int(rng.expovariate(1 / 40.0)),
                                            len(w) - 1)]
                thread = parent.thread
            cands = [p for p in thread.people if p is not parent.person]
            if cands and rng.random() < 0.75:
                sender = rng.choice(cands)
            else:
                # a reply to the owner's own answer, which is not in the INBOX
                sender = parent.person if parent.person is not self.owner \
                    else rng.choice(thread.people)
                if rng.random() < 0.5:
                    parent = self.phantom(parent, thread, t)
            if sender not in thread.people:
                thread.people.append(sender)
            lang = thread.lang if thread.lang == sender.lang or \
                rng.random() < 0.3 else "en"
        elif kind == "forward":
            w = self.window
            parent = w[len(w) - 1 - min(int(rng.expovariate(1 / 60.0)),
                                        len(w) - 1)]
            sender = self.pick_person(exclude=(parent.person,))
            lang = sender.lang if rng.random() < 0.7 else "en"
        else:
            sender = self.pick_person()
            lang = sender.lang if rng.random() < 0.85 else "en"

        client = sender.client
        off, abbr = tz_offset(sender.tz, t, time.gmtime(t).tm_year)
        style = header_style(rng, client, lang)

        # subject, threading, recipients
        mlist = None
        refs = ()
        in_reply_to = None
        if kind == "reply":
            mlist = thread.mlist
            stem = parent.stem
            prefix = REPLY_PREFIX[lang] if client in ("outlook", "foxmail",
                                                      "gmail", "kmail") \
                else "Re:"
            if prefix == "回复:" and client != "foxmail":
                prefix = "Re:"
            if rng.random() < 0.04:
                prefix = prefix + " " + prefix     # naive clients do this
            prefix = prefix.replace("回复: 回复:", "回复: Re:")
            subject = prefix + " " + stem
            refs = parent.refs + (parent.msgid,)
            if len(refs) > 10:
                refs = refs[:1] + refs[-9:]
            in_reply_to = parent.msgid
            to = [parent.person] if parent.person is not sender \
                else [self.owner]
            if mlist:
                to = [mlist[4]]
                cc = [parent.person] if rng.random() < 0.3 and \
                    parent.person is not self.owner else []
            else:
                cc = [p for p in thread.people
                      if p is not sender and p is not parent.person]
                if rng.random() < 0.5:
                    cc = cc[:rng.randint(0, len(cc))]
                if self.owner not in to:
                    cc.append(self.owner)
            thread.depth += 1
        elif kind == "forward":
            stem = parent.stem
            prefix = FWD_PREFIX[lang] if client in ("outlook", "foxmail") \
                else "Fwd:"
            if prefix == "WG:" and rng.random() < 0.3:
                prefix = "Fw:"
            subject = prefix + " " + stem
            if rng.random() < 0.7:
                refs = parent.refs[-9:] + (parent.msgid,)
            to = [self.owner]
            cc = []
            thread = Thread()
            thread.stem = stem
            thread.lang = lang
            thread.people = [sender]
            thread.mlist = None
            thread.depth = 0
        else:
            thread = Thread()
            thread.lang = lang
            thread.depth = 0
            if kind == "new" and rng.random() < 0.15:
                lists = [m for m in MAILING_LISTS if m[3] == lang] or \
                    MAILING_LISTS[:2]
                m = rng.choice(lists)
                mlist = m + (Person(-10, "", "%s@%s" % (m[0], m[2]), m[3],
                                    "utc", "list", "", True),)
            stem = self._fill(rng.choice(SUBJECTS[lang]))
            if mlist:
                stem = "[%s] %s" % (mlist[0], stem)
                to = [mlist[4]]
                cc = []
                thread.people = [sender]
                for _ in range(rng.randint(1, 4)):
                    thread.people.append(self.pick_person(
                        exclude=thread.people))
            else:
                others = self.by_lang[sender.lang] if rng.random() < 0.7 \
                    else self.people
                extra = [p for p in rng.sample(others, min(len(others),
                                                           rng.randint(0, 3)))
                         if p is not sender]
                thread.people = [sender] + extra
                to = [self.owner]
                cc = []
                if extra:
                    if rng.random() < 0.5:
                        to = to + extra[:1]
                        cc = extra[1:]
                    else:
                        cc = extra
            thread.stem = stem
            thread.mlist = mlist
            subject = stem
        # body
        greet = (parent.person if parent is not None and
                 parent.person is not self.owner and
                 parent.person is not sender else self.owner)
        if kind == "forward":
            blocks = [("lines", [rng.choice({
                "de": ["Zur Info, siehe unten.",
                       "Siehe unten – was meinst du?"],
                "sk": ["Pre informáciu.", "Posielam ďalej."],
                "zh": ["转发给你，请参考。"],
            }.get(lang, ["FYI, see below.", "Forwarding this to you, see "
                         "below.", "Could you take a look at this?"]))])]
            own_lines = render_plain(blocks).split("\n")
        else:
            nparas = rng.randint(1, 3) if kind == "reply" else \
                rng.randint(1, 5)
            blocks, own_lines = self.compose(
                sender, lang, client, parent, greet, mlist, nparas)

        msgid = self.make_msgid(seq, t, sender.domain, client)

        # MIME structure
        r = rng.random()
        attach = []
        fwd_part = None
        if kind == "large":
            target = rng.randint(3_300_000, 11_500_000)
            attach.append(self.attachment(lang, big=target * 57 // 77))
        elif kind == "forward":
            if rng.random() < 0.5:
                fwd_part = self.forwarded_message(parent)
            else:
                blocks = blocks + [("orig", self.fwd_inline(parent, lang))]
        elif rng.random() < (0.06 if kind == "reply" else 0.14):
            for _ in range(1 if rng.random() < 0.7 else rng.randint(2, 3)):
                attach.append(self.attachment(lang))

        if client == "thunderbird":
            form = "flowed" if r < 0.75 else "alt"
        elif client == "mutt":
            form = "plain" if r < 0.85 else "flowed"
        elif client == "outlook":
            form = "alt" if r < 0.6 else "plain"
        elif client == "gmail":
            form = "alt" if r < 0.7 else "plain"
        elif client == "apple":
            form = "plain" if r < 0.4 else ("flowed-delsp" if r < 0.7
                                            else "alt")
        elif client == "kmail":
            form = "plain" if r < 0.9 else "flowed"
        else:
            form = "alt" if r < 0.5 else "plain"
        if rng.random() < 0.03 and form == "plain":
            form = "b64"

        if form == "alt":
            tp = self.text_part(blocks, client, lang)
            hp = self.html_part(blocks, client)
            body = self.multipart("alternative", [tp, hp], client)
        elif form == "flowed":
            body = self.text_part(blocks, client, lang, flowed=True)
        elif form == "flowed-delsp":
            body = self.text_part(blocks, client, lang, flowed=True,
                                  delsp=True)
        elif form == "b64":
            body = self.text_part(blocks, client, lang, force_cs="utf-8",
                                  force_cte="base64")
        else:
            body = self.text_part(blocks, client, lang)
        if attach or fwd_part:
            parts = [body] + attach + ([fwd_part] if fwd_part else [])
            body = self.multipart("mixed", parts, client)

        # headers
        date_style = {"mutt": 0, "kmail": 3, "outlook": 1, "gmail": 1,
                      "thunderbird": 1, "apple": 1}.get(client, 0)
        if rng.random() < 0.02:
            date_style = 2
        date_hdr, _ = rfc5322_date(int(t), off, date_style, abbr)

        hdrs = self.trace_headers(sender, t)
        hdrs.append(address_header("From", [sender], style))
        if kind == "reply" and mlist is None and rng.random() < 0.05:
            hdrs.append(address_header("Reply-To", [sender], style))
        hdrs.append(address_header("To", to, style))
        if cc:
            hdrs.append(address_header("Cc", cc, style))
        hdrs.append(fold("Subject", subject_tokens(
            subject[:len(subject) - len(stem)].strip(), stem, style)))
        hdrs.append("Date: " + date_hdr)
        hdrs.append("Message-ID: " + msgid)
        if in_reply_to:
            hdrs.append("In-Reply-To: " + in_reply_to)
        if refs:
            hdrs.append(fold("References", list(refs)))
        if mlist:
            name, desc, dom = mlist[0], mlist[1], mlist[2]
            desc_tok = desc if desc.isascii() else " ".join(
                encoded_words(desc, "utf-8", "Q", phrase=True))
            hdrs.append("List-Id: %s <%s.%s>" % (desc_tok, name, dom))
            hdrs.append("List-Post: <mailto:%s@%s>" % (name, dom))
            hdrs.append(fold("List-Unsubscribe", [
                "<mailto:%s-request@%s?subject=unsubscribe>," % (name, dom),
                "<https://%s/mailman/options/%s>" % (dom, name)]))
            hdrs.append("List-Archive: <https://%s/archives/%s>" % (dom, name))
            hdrs.append("Precedence: list")
        ua = USER_AGENTS.get(client)
        if ua and rng.random() < 0.85:
            hdrs.append(fold(ua[0], rng.choice(ua[1]).split(" ")))
        hdrs.append("MIME-Version: 1.0")
        hdrs.extend(body[0])
        data = "\n".join(hdrs).encode("ascii") + b"\n\n" + body[1]

        # remember it for replies
        e = Entry()
        e.msgid = msgid
        e.refs = refs
        e.stem = stem
        e.lang = lang
        e.person = sender
        e.tos = to
        e.t = int(t)
        e.off = off
        e.date_hdr = date_hdr
        e.lines = own_lines
        e.thread = thread
        e.subject = subject
        self.window.append(e)
        thread.last = e
        if kind == "reply":
            if rng.random() < 0.08 and thread in self.active:
                self.active.remove(thread)
        elif kind in ("new", "large") and len(self.active) < 8 and \
                rng.random() < 0.5:
            self.active.append(thread)
        return data, t, sender, False, kind

    def phantom(self, parent, thread, t):
        """The owner's answer (in Sent, not here) between two messages."""
        rng = self.rng
        e = Entry()
        e.msgid = "<%s.%x@example.com>" % (
            time.strftime("%Y%m%d%H%M%S", time.gmtime(t - 600)),
            rng.getrandbits(48))
        e.refs = (parent.refs + (parent.msgid,))[-10:]
        e.stem = parent.stem
        e.lang = parent.lang
        e.person = self.owner
        e.tos = [parent.person]
        e.t = int(t - rng.randint(60, 7200))
        e.off, _ = tz_offset("eu", e.t, time.gmtime(e.t).tm_year)
        e.date_hdr, _ = rfc5322_date(e.t, e.off, 0)
        blocks = [("lines", [rng.choice(GREETINGS["en"]).format(
            first=parent.person.first)]), self.para("en"),
            ("lines", ["Sam"])]
        e.lines = render_plain(blocks).split("\n") + [
            "> " + ln if ln else ">" for ln in parent.lines[:6]]
        e.thread = thread
        e.subject = "Re: " + parent.stem
        return e

    def fwd_inline(self, parent, lang):
        p = parent.person
        return (["---------- Forwarded message ---------",
                 "From: %s <%s>" % (p.name, p.addr),
                 "Date: %s" % parent.date_hdr,
                 "Subject: %s" % parent.subject,
                 "To: %s" % ", ".join("%s <%s>" % (x.name, x.addr) if x.name
                                      else x.addr for x in parent.tos),
                 ""] + self.quote_lines(parent, 40))

    def trace_headers(self, sender, t):
        rng = self.rng
        hdrs = ["Return-Path: <%s>" % (
            sender.addr if rng.random() < 0.97 else
            "bounces+%d@%s" % (rng.randrange(10 ** 6), sender.domain))]
        dt = int(t) + rng.randint(1, 40)
        if dt < self.delivered:
            dt = self.delivered
        self.delivered = dt
        self.delivery_time = dt
        ds, _ = rfc5322_date(dt, 0, 0)
        lmtp_id = base64.b64encode(rng.randbytes(12)).decode()
        hdrs.append("Received: from mx1.example.com ([192.0.2.25])\n"
                    "\tby imap.internal.example with LMTP\n"
                    "\tid %s\n\t(envelope-from <%s>)\n"
                    "\tfor <%s>; %s" % (lmtp_id, sender.addr, OWNER_ADDR, ds))
        if rng.random() < 0.8:
            qid = "".join(rng.choice("BCDFGHJKLMNPQRSTVWXYZ0123456789bcdfghjk")
                          for _ in range(13))
            host = "mail." + sender.domain.replace("mail.", "")
            ip = "%s.%d" % (rng.choice(("198.51.100", "203.0.113")),
                            rng.randint(2, 254))
            ds2, _ = rfc5322_date(dt - rng.randint(0, 2), 0, 3, "UTC")
            hdrs.append("Received: from %s (%s [%s])\n"
                        "\tby mx1.example.com (Postfix) with ESMTPS id %s\n"
                        "\tfor <%s>; %s" % (host, host, ip, qid, OWNER_ADDR,
                                            ds2))
        return hdrs

    def bot_message(self, seq, t):
        rng = self.rng
        r = rng.random()
        if r < 0.4:
            bot = self.bots["gitlab"]
            proj = rng.choice(FILL["proj"])
            pid = rng.randint(1000, 99999)
            sha = "%08x" % rng.getrandbits(32)
            branch = rng.choice((
                "main",
                "release-%d.%d" % (rng.randint(1, 4), rng.randint(0, 9)),
                "feature/%s-import" % proj.lower()))
            ok = rng.random() < 0.5
            subject = "%s | Pipeline #%d has %s for %s | %s" % (
                proj, pid, "passed" if ok else "failed", branch, sha)
            blocks = [("lines", ["Pipeline #%d has %s!" % (
                pid, "passed" if ok else "failed")]),
                ("table", [["Project", "Branch", "Commit", "Duration"],
                           ["example/" + proj.lower(), branch, sha,
                            "%d min %d s" % (rng.randint(1, 40),
                                             rng.randint(0, 59))]]),
                ("link", "Pipeline", "https://gitlab.example.org/example/%s/"
                 "-/pipelines/%d" % (proj.lower(), pid)),
                ("lines", ["You're receiving this email because of your "
                           "account on gitlab.example.org."])]
            tp = self.text_part(blocks, "bot", "en", force_cs="UTF-8",
                                force_cte="7bit")
            hp = self.html_part(blocks, "gmail")
            body = self.multipart("alternative", [tp, hp], "gmail")
            extra = ["X-GitLab-Project: " + proj,
                     "X-GitLab-Pipeline-Id: %d" % pid,
                     "X-GitLab-Pipeline-Status: " + ("success" if ok else
                                                     "failed"),
                     "List-Id: example/%s <%s.example.gitlab.example.org>"
                     % (proj.lower(), proj.lower()),
                     "Auto-Submitted: auto-generated"]
            lang = "en"
        elif r < 0.6:
            bot = self.bots["billing"]
            inv = "INV-%d-%05d" % (time.gmtime(t).tm_year, seq % 100000)
            de = rng.random() < 0.4
            lang = "de" if de else "en"
            subject = ("Ihre Rechnung %s – Beispiel Hosting" if de else
                       "Your invoice %s from Example Hosting") % inv
            amount = "%d.%02d" % (rng.randint(5, 900), rng.randrange(100))
            blocks = [("lines", ["Guten Tag," if de else "Hello,"]),
                      ("p", _wrap(("anbei erhalten Sie Ihre Rechnung %s über "
                                   "%s €. Der Betrag wird in den nächsten "
                                   "Tagen von Ihrem Konto abgebucht.") % (
                                       inv, amount.replace(".", ","))
                                  if de else
                                  ("please find attached invoice %s for "
                                   "EUR %s. The amount will be charged to "
                                   "your card within the next days.") % (
                                       inv, amount), 72)),
                      ("lines", ["Mit freundlichen Grüßen" if de else
                                 "Kind regards",
                                 "Ihr Beispiel-Hosting-Team" if de else
                                 "Example Hosting"])]
            tp = self.text_part(blocks, "bot", lang,
                                force_cs="iso-8859-1" if de else "us-ascii",
                                force_cte="quoted-printable")
            fname = ("Rechnung_%s.pdf" % inv) if rng.random() < 0.5 else (
                "Übersicht %s.pdf" % inv if de else "invoice-%s.pdf" % inv)
            pdf = make_pdf(rng, "Invoice " + inv, rng.randint(3000, 20000))
            if fname.isascii():
                dp = ascii_params("filename", fname, False)
            else:
                dp = rfc2231_params("filename", fname, "utf-8", False)
            ap = (["Content-Type: application/pdf",
                   params_header("Content-Disposition", "attachment", dp),
                   "Content-Transfer-Encoding: base64"],
                  base64.encodebytes(pdf))
            body = self.multipart("mixed", [tp, ap], "bot")
            extra = []
        elif r < 0.75:
            bot = self.bots["news"]
            lang = "en"
            n = seq // 50 + 1
            topic = self._fill(rng.choice(SUBJECTS["en"]))
            subject = "Example Weekly #%d: %s" % (n, topic)
            blocks = [("lines", ["Example Weekly \u2013 issue %d" % n])]
            for _ in range(rng.randint(2, 5)):
                blocks.append(self.para("en", True))
                blocks.append(("link", "Read more",
                               "https://news.example.com/%d/%d" % (
                                   n, rng.randrange(1000))))
            blocks.append(("lines", ["You are receiving this because you "
                                     "subscribed at example.com."]))
            hp = self.html_part(blocks, "outlook" if rng.random() < 0.5
                                else "gmail")
            if rng.random() < 0.5:
                body = hp
            else:
                tp = self.text_part(blocks, "bot", "en", force_cs="utf-8",
                                    force_cte="quoted-printable")
                body = self.multipart("alternative", [tp, hp], "bot")
            extra = ["List-Unsubscribe: <https://news.example.com/unsubscribe"
                     "?u=%x>" % rng.getrandbits(40),
                     "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
                     "Precedence: bulk"]
        elif r < 0.85:
            bot = self.bots["calendar"]
            lang = "en"
            ev = self._fill(rng.choice(SUBJECTS["en"]))
            lt = time.gmtime(t + 86400 * rng.randint(1, 14))
            subject = ("Invitation: %s @ %s %s %d, %d %d:00 - %d:00 (CET) "
                       "(%s)") % (ev, WEEKDAYS[lt.tm_wday],
                                  MONTHS[lt.tm_mon - 1], lt.tm_mday,
                                  lt.tm_year, lt.tm_hour % 12 + 8,
                                  lt.tm_hour % 12 + 9, OWNER_ADDR)
            blocks = [("lines", ["You have been invited to the following "
                                 "event."]),
                      ("table", [["Title", ev[:40]],
                                 ["When", "%s %d" % (MONTHS_LONG[
                                     lt.tm_mon - 1], lt.tm_mday)],
                                 ["Organizer", "Alice Example"]])]
            tp = self.text_part(blocks, "bot", "en", force_cs="UTF-8",
                                force_cte="7bit")
            hp = self.html_part(blocks, "gmail")
            cal = self.ics(rng)
            cp = (["Content-Type: text/calendar; charset=UTF-8; "
                   "method=REQUEST", "Content-Transfer-Encoding: 7bit"], cal)
            alt = self.multipart("alternative", [tp, hp, cp], "gmail")
            ip = (["Content-Type: application/ics; name=\"invite.ics\"",
                   'Content-Disposition: attachment; filename="invite.ics"',
                   "Content-Transfer-Encoding: base64"],
                  base64.encodebytes(cal.replace(b"\n", b"\r\n")))
            body = self.multipart("mixed", [alt, ip], "gmail")
            extra = ["Sender: Google Calendar <calendar-notification@"
                     "example.com>"]
        else:
            bot = self.bots["cron"]
            lang = "en"
            host = rng.choice(("build01", "db02", "backup", "web03"))
            job = rng.choice(("/usr/local/bin/backup.sh",
                              "run-parts /etc/cron.daily",
                              "/usr/bin/certbot renew -q",
                              "/opt/scripts/rotate-logs --verbose"))
            subject = "Cron <root@%s> %s" % (host, job)
            lines = []
            for k in range(rng.randint(1, 30)):
                lines.append(rng.choice((
                    "rsync: sent %d bytes  received %d bytes" % (
                        rng.randrange(10 ** 9), rng.randrange(10 ** 5)),
                    "/etc/cron.daily/logrotate: error: skipping "
                    "\"/var/log/app/%d.log\"" % k,
                    "Backup of /srv/data completed in %d s" % rng.randint(
                        5, 4000),
                    "WARNING: disk /dev/sda1 is %d%% full" % rng.randint(
                        80, 99))))
            body = ([], ("\n".join(lines) + "\n").encode("ascii"))
            extra = ["X-Cron-Env: <SHELL=/bin/sh>",
                     "X-Cron-Env: <HOME=/root>",
                     "X-Cron-Env: <LOGNAME=root>"]

        off, abbr = tz_offset(bot.tz, t, time.gmtime(t).tm_year)
        date_hdr, _ = rfc5322_date(int(t), off, 0 if bot is not
                                   self.bots["cron"] else 2)
        style = ("utf-8", "Q")
        hdrs = self.trace_headers(bot, t)
        if bot is self.bots["cron"]:
            hdrs.append("From: root@%s.example.net (Cron Daemon)" % host)
            hdrs.append("To: root@%s.example.net" % host)
        else:
            hdrs.append(address_header("From", [bot], style))
            hdrs.append(address_header("To", [self.owner], style))
        hdrs.append(fold("Subject", subject_tokens("", subject, style)))
        hdrs.append("Date: " + date_hdr)
        hdrs.append("Message-ID: <%x.%d.%x@%s>" % (
            int(t), seq, rng.getrandbits(40),
            bot.domain if bot is not self.bots["cron"] else
            host + ".example.net"))
        hdrs.extend(extra)
        if body[0]:
            hdrs.append("MIME-Version: 1.0")
            hdrs.extend(body[0])
        data = "\n".join(hdrs).encode("ascii") + b"\n\n" + body[1]
        return data, t, bot, True


def subject_tokens_header(subject, style):
    return fold("Subject", subject_tokens("", subject, style))


# --------------------------------------------------------------------------


def pick_flags(rng, sender, is_auto, recent):
    flags = []
    seen = rng.random() < (0.34 if recent else 0.8)
    if rng.random() < 0.002:
        flags.append("D")
    if rng.random() < 0.05:
        flags.append("F")
    if rng.random() < 0.02 and seen:
        flags.append("P")
    if seen and not is_auto and rng.random() < 0.16:
        flags.append("R")
    if seen:
        flags.append("S")
    if rng.random() < 0.005:
        flags.append("T")
    return "".join(flags)


def write_corpus(maildir, seed, count, large, start_ts):
    for sub in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(maildir, sub), exist_ok=True)
    tmpdir = os.path.join(maildir, "tmp")
    curdir = os.path.join(maildir, "cur")
    newdir = os.path.join(maildir, "new")
    corpus = Corpus(seed, count, large, start_ts)
    flag_rng = random.Random(seed * 7919 + 17)
    total = 0
    recent_from = int(count * 0.8)
    oflags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | \
        getattr(os, "O_CLOEXEC", 0)
    for i in range(count):
        res = corpus.message(i)
        data, sender, is_auto = res[0], res[2], res[3]
        dt = corpus.delivery_time
        size = len(data)
        wsize = size + data.count(b"\n")
        base = "%d.M%dP0.tern,S=%d,W=%d" % (dt, i + 1, size, wsize)
        if i >= corpus.new_from:
            dest = os.path.join(newdir, base)
            flag_rng.random()
        else:
            fl = pick_flags(flag_rng, sender, is_auto, i >= recent_from)
            dest = os.path.join(curdir, base + ":2," + fl)
        tmp = os.path.join(tmpdir, base)
        fd = os.open(tmp, oflags, 0o600)
        try:
            view = memoryview(data)
            while view:
                n = os.write(fd, view)
                view = view[n:]
        finally:
            os.close(fd)
        os.utime(tmp, (dt, dt))
        os.rename(tmp, dest)
        total += size
    return total


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        sys.stderr.write("corpus.py: %s\n" % message)
        sys.exit(2)


def _nonneg(s):
    try:
        v = int(s, 10)
    except ValueError:
        raise argparse.ArgumentTypeError("not an integer: %r" % s)
    if v < 0:
        raise argparse.ArgumentTypeError("must not be negative: %r" % s)
    return v


def _date(s):
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
        raise argparse.ArgumentTypeError("expected YYYY-MM-DD: %r" % s)
    try:
        d = datetime.date.fromisoformat(s)
    except ValueError:
        raise argparse.ArgumentTypeError("no such date: %r" % s)
    if d.year < 1980 or d.year > 2200:
        raise argparse.ArgumentTypeError("year out of range: %r" % s)
    return d


def main(argv=None):
    ap = _Parser(prog="corpus.py", allow_abbrev=False,
                 description="Write a deterministic mail corpus into a "
                             "Maildir.")
    ap.add_argument("--seed", type=_nonneg, default=1)
    ap.add_argument("--count", type=_nonneg, default=200)
    ap.add_argument("--large", type=_nonneg, default=None,
                    help="messages of 3-12 MB (default: count // 20000)")
    ap.add_argument("--start-date", type=_date,
                    default=datetime.date(2024, 1, 1))
    ap.add_argument("maildir", metavar="MAILDIR")
    args = ap.parse_args(argv)
    large = args.count // 20000 if args.large is None else args.large
    if large > args.count:
        ap.error("--large %d is more than --count %d" % (large, args.count))
    if os.path.exists(args.maildir) and not os.path.isdir(args.maildir):
        ap.error("not a directory: %s" % args.maildir)
    start_ts = calendar.timegm(args.start_date.timetuple())
    try:
        total = write_corpus(args.maildir, args.seed, args.count, large,
                             start_ts)
    except OSError as e:
        sys.stderr.write("corpus.py: %s\n" % e)
        return 1
    print("wrote %d messages (%d bytes) to %s" % (args.count, total,
                                                  args.maildir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
