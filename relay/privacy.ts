// What the relay refuses to remember. Every memory text is screened here before it is stored:
// secrets and contact details a player said are replaced by a marker ("[email removed]"), a memory
// that was nothing but a secret is dropped, and instruction-like text ("ignore all previous
// instructions…") is never stored, so that it cannot be injected into a character's prompt later.
// Phone numbers are found by libphonenumber-js; the rest are patterns, kept strict enough to leave
// years, dates, times, scores, ages and ordinary sentences alone (test/unit/privacy.test.ts).
import { type CountryCode, findPhoneNumbersInText } from "libphonenumber-js/max";

export const REDACT_KINDS = ["email", "phone", "card", "password", "key", "address"] as const;
export type RedactKind = (typeof REDACT_KINDS)[number];

export const MARKERS: Record<RedactKind, string> = {
  email: "[email removed]",
  phone: "[phone removed]",
  card: "[card removed]",
  password: "[password removed]",
  key: "[key removed]",
  address: "[address removed]",
};

/**
 * KEEPSAKE_REDACT: unset, "on" or "all": every kind; "off": none; or a comma list of the kinds to
 * redact. Throws with a message naming the kinds for anything else.
 */
export function parseRedact(value: string | undefined): Set<RedactKind> {
  const v = (value ?? "").trim().toLowerCase();
  if (v === "" || v === "on" || v === "all") return new Set(REDACT_KINDS);
  if (v === "off" || v === "none") return new Set();
  const kinds = v.split(",").map((k) => k.trim()).filter(Boolean);
  const unknown = kinds.filter((k) => !(REDACT_KINDS as readonly string[]).includes(k));
  if (unknown.length) throw new Error(`unknown kind ${unknown.join(", ")}: use on, off, or a comma list of ${REDACT_KINDS.join(", ")}`);
  return new Set(kinds as RedactKind[]);
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * KEEPSAKE_TRANSCRIPT_RETENTION: "30d", "12h", "90m", "45s", "500ms", or a number of days ("0": purge
 * as soon as the session is processed). "off" or "forever": never purged (null). Throws otherwise.
 */
export function parseDuration(value: string): number | null {
  const v = value.trim().toLowerCase();
  if (v === "off" || v === "forever") return null;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(v);
  if (!m) throw new Error(`"${value}" is not a duration: use e.g. 30d, 12h, 90m, 45s, a number of days, or off`);
  return Math.round(Number(m[1]) * UNITS[m[2] ?? "d"]);
}

// ---- redaction ----

/** Words that follow "password is" without being a password: "Jordan's password is too long." */
const NOT_SECRETS = new Set((
  "a an the too very so not no same different weak strong long short secure safe easy hard simple complicated " +
  "secret private something nothing unknown forgotten changed expired wrong correct right new old saved stored " +
  "written hidden required needed set reset locked my his her their your our its based case-sensitive"
).split(" "));

/** A secret as said: quoted (several words), or one run of non-space characters without its final punctuation. */
const SECRET = String.raw`(?:"[^"\n]{1,100}"|'[^'\n]{1,100}'|“[^”\n]{1,100}”|[^\s"'\[][^\s]*[^\s.,;:!?)"'\]]|[^\s"'\[.,;:!?])`;
const SAID = String.raw`(?:\s+(?:for|to|of|on)\s+[\w'’ .-]{1,30}?)?\s*(?:\bis\b|\bwas\b|:|=)\s*`;

const PASSWORD = new RegExp(
  String.raw`\b((?:password|passcode|passphrase|passwd|pass word|pwd|pw)${SAID})(${SECRET})`, "gi");
/** A PIN is digits: "Jordan's lapel pin is silver" is not one. */
const PIN = new RegExp(String.raw`\b(pin(?:\s+(?:code|number))?${SAID})(\d{3,12})\b`, "gi");
const KEY_SAID = new RegExp(
  String.raw`\b((?:api[ _-]?key|access[ _-]?key|secret[ _-]?key|private[ _-]?key|auth(?:entication)?[ _-]?(?:token|code)|` +
  String.raw`(?:access |bearer |api |auth )?token|secret|2fa code|otp|one-time code|recovery code|backup code)${SAID})(${SECRET})`, "gi");
/** Keys and tokens recognisable by their form: OpenAI, Stripe, GitHub, GitLab, AWS, Google, Slack, JWTs, PEM blocks. */
const KEY_FORMS = new RegExp([
  String.raw`\bsk-[A-Za-z0-9_-]{16,}`,
  String.raw`\b[spr]k_(?:live|test)_[A-Za-z0-9]{10,}`,
  String.raw`\bgh[pousr]_[A-Za-z0-9]{20,}`,
  String.raw`\bgithub_pat_[A-Za-z0-9_]{20,}`,
  String.raw`\bglpat-[A-Za-z0-9_-]{16,}`,
  String.raw`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`,
  String.raw`\bAIza[0-9A-Za-z_-]{30,}`,
  String.raw`\bxox[abprs]-[A-Za-z0-9-]{10,}`,
  String.raw`\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*`,
  String.raw`-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)`,
].join("|"), "g");
/** A long run of token characters: a key when it is random enough (see highEntropy). */
const LONG_TOKEN = /(?<![\w/+=-])[A-Za-z0-9_+/=-]{24,}(?![\w/+=-])/g;

const EMAIL = /(?<![\w.+-])[A-Za-z0-9._%+-]+(?:@|\s*[[(]at[\])]\s*)[A-Za-z0-9-]+(?:(?:\.|\s*[[(]dot[\])]\s*)[A-Za-z0-9-]+)*(?:\.|\s*[[(]dot[\])]\s*)[A-Za-z]{2,}\b/gi;

/** 13 to 19 digits, single spaces or dashes between them: a card number when the Luhn check passes. */
const CARD_CANDIDATE = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g;

const SUFFIX = "Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Boulevard|Blvd|Drive|Dr|Court|Ct|Place|Pl|Terrace|Ter|Way|Close|Crescent|Cres|" +
  "Square|Sq|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Trail|Row|Mews|Gardens|Grove|Hill|Walk|Alley|Plaza|Loop";
const UNIT = String.raw`(?:Apt|Apartment|Unit|Suite|Ste|Flat|#)\.?\s*[\w-]+`;
const POSTCODE = String.raw`(?:\d{5}(?:-\d{4})?|[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}|[A-Z]\d[A-Z]\s?\d[A-Z]\d)`;
/** A street address: number, capitalised name, suffix; then maybe a direction, a unit, and a town with its postcode. */
const STREET = new RegExp(
  String.raw`(?:\b${UNIT},?\s+)?\b\d{1,5}[A-Za-z]?(?:-\d{1,5})?\s+(?:(?:[A-Z][A-Za-z'’.-]*|\d+(?:st|nd|rd|th))\s+){1,4}(?:${SUFFIX})\b\.?` +
  String.raw`(?:\s+(?:NW|NE|SW|SE|N|S|E|W)\b\.?)?(?:,?\s+${UNIT})?` +
  String.raw`(?:,?\s+(?:[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2},?\s+)?(?:[A-Z]{2}\s+)?${POSTCODE}\b)?`, "g");
/** What may follow a street address; any other lowercase word means the match was not one ("2 Milky Way bars"). */
const AFTER_STREET = /^(?:\s*$|\s*[,.;:!?)]|\s+(?:in|and|with|near|since|for|where|which|from|to|on|at|by|but|or)\b|\s+[A-Z\d])/;
const PO_BOX = /\bP\.?\s?O\.?\s+Box\s+\d+/gi;
const POSTCODE_SAID = new RegExp(String.raw`\b((?:post\s?code|postal code|zip(?:\s?code)?)\s*(?:is|was|:)?\s*)(${POSTCODE})\b`, "gi");
const UK_POSTCODE = /\b[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}\b/g;

/** National formats recognised besides international ones ("+44 …"), which are found whatever the country. */
const PHONE_COUNTRIES: CountryCode[] = ["US", "GB", "AU", "IE", "NZ", "IN", "DE", "FR", "ES", "IT", "NL", "BR", "JP", "ZA"];
/** Words before a bare run of digits that make it a phone number: "Jordan's number is 4155552671". */
const PHONE_WORDS = /\b(?:phone|mobile|cell|call|text|ring|reach|whatsapp|telephone|tel|contact|dial|fax|(?:['’]s|my|his|her|their|your) number)\b/i;
/** Digits after a word that says they are a phone number, where libphonenumber would not vouch for them. */
const PHONE_SAID = /\b((?:phone|mobile|cell|telephone|tel|whatsapp|landline)(?:\s+number)?\s*(?:is|was|:|#)?\s*)(\+?\d[\d ().-]{4,}\d)/gi;

export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/** Shannon entropy per character, and the shapes a random key has (mixed case, or long hex). */
function highEntropy(token: string): boolean {
  if (!/\d/.test(token) || !/[A-Za-z]/.test(token)) return false;
  if (!(/[a-z]/.test(token) && /[A-Z]/.test(token)) && !/^[0-9a-fA-F-]{32,}$/.test(token)) return false;
  const counts = new Map<string, number>();
  for (const c of token) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / token.length) * Math.log2(n / token.length);
  return h >= 3.5;
}

const digitCount = (s: string) => s.replace(/\D/g, "").length;

/** Phone numbers of `text` as [start, end) ranges, from libphonenumber-js over the formats above. */
function phoneRanges(text: string): [number, number][] {
  const ranges: [number, number][] = [];
  if (digitCount(text) < 7) return ranges; // most memories: no need to ask libphonenumber 14 times
  for (const country of PHONE_COUNTRIES) {
    for (const n of findPhoneNumbersInText(text, { defaultCountry: country })) {
      const found = text.slice(n.startsAt, n.endsAt);
      // a date or a time is never a phone number, nor is anything under 7 digits
      if (digitCount(found) < 7 || /^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$|:/.test(found)) continue;
      // part of a longer number (a coordinate, a decimal), or a list of small numbers ("4 8 15 16 23 42")
      if (/^[.,]?\d/.test(text.slice(n.endsAt)) || (/^[1-9]/.test(found) && found.match(/\d+/g)!.every((g) => g.length <= 2))) continue;
      // bare digits are as often an amount or an id: a phone number only when the words before say so
      if (/^\d+$/.test(found) && !PHONE_WORDS.test(text.slice(Math.max(0, n.startsAt - 40), n.startsAt))) continue;
      ranges.push([n.startsAt, n.endsAt]);
    }
  }
  return ranges;
}

/** Replaces [start, end) ranges (overlaps merged) with `marker`. */
function replaceRanges(text: string, ranges: [number, number][], marker: string): string {
  if (!ranges.length) return text;
  ranges.sort((a, b) => a[0] - b[0]);
  let out = "", at = 0;
  for (const [s, e] of ranges) {
    if (e <= at) continue;
    out += text.slice(at, Math.max(s, at)) + marker;
    at = e;
  }
  return out + text.slice(at);
}

export interface Redaction { text: string; kinds: RedactKind[] }

/** `text` with every secret of `kinds` replaced by its marker, and which kinds were found. */
export function redact(text: string, kinds: ReadonlySet<RedactKind> = new Set(REDACT_KINDS)): Redaction {
  const found = new Set<RedactKind>();
  let out = text;
  const sub = (kind: RedactKind, re: RegExp, keep?: (match: string, offset: number, all: string, groups: string[]) => string | null) => {
    if (!kinds.has(kind)) return;
    out = out.replace(re, (match: string, ...rest: unknown[]) => {
      const i = rest.findIndex((x) => typeof x === "number");
      const replaced = keep ? keep(match, rest[i] as number, rest[i + 1] as string, rest.slice(0, i) as string[]) : MARKERS[kind];
      if (replaced === null) return match;
      found.add(kind);
      return replaced;
    });
  };
  const said = (kind: RedactKind) => (match: string, _o: number, _a: string, [lead, secret]: string[]) =>
    NOT_SECRETS.has(secret.replace(/^["'“]|["'”]$/g, "").toLowerCase()) ? null : lead + MARKERS[kind];

  sub("key", KEY_FORMS);
  sub("password", PASSWORD, said("password"));
  sub("password", PIN, said("password"));
  sub("key", KEY_SAID, (m, o, a, g) => (g[1].length >= 6 && /\d|[A-Z].*[A-Z]|[^\w\s]/.test(g[1].slice(1)) ? said("key")(m, o, a, g) : null));
  sub("key", LONG_TOKEN, (m) => (highEntropy(m) ? MARKERS.key : null));
  sub("email", EMAIL);
  sub("card", CARD_CANDIDATE, (m) => (luhn(m.replace(/\D/g, "")) ? MARKERS.card : null));
  sub("address", PO_BOX);
  sub("address", STREET, (m, o, a) => (AFTER_STREET.test(a.slice(o + m.length)) ? MARKERS.address : null));
  sub("address", POSTCODE_SAID, (_m, _o, _a, [lead]) => lead + MARKERS.address);
  sub("address", UK_POSTCODE);
  if (kinds.has("phone")) {
    sub("phone", PHONE_SAID, (_m, _o, _a, [lead, digits]) => (digitCount(digits) >= 5 ? lead + MARKERS.phone : null));
    const ranges = phoneRanges(out);
    if (ranges.length) {
      out = replaceRanges(out, ranges, MARKERS.phone);
      found.add("phone");
    }
  }
  return { text: out, kinds: [...found] };
}

/** Words a memory about a secret is made of, besides the secret: "Jordan's phone number is [phone removed]." */
const SECRET_WORDS = new Set((
  "the user user's users is are was were has have had can could be been reached contacted at on in by via through of for to " +
  "a an and or with its their his her my your 's s number numbers phone mobile cell telephone landline tel whatsapp email e-mail " +
  "mail address home street postcode zip code postal password passcode passphrase pin pw pwd wifi wi-fi login account key keys " +
  "api access secret token tokens credential credentials card cards credit debit bank payment details private personal " +
  "lives live living moved move reach contact call text message uses use gave give shared share said told is: new old current"
).split(" "));
const MARKER = /\[(?:email|phone|card|password|key|address) removed\]/g;
const HAS_MARKER = new RegExp(MARKER.source);
/** A leading subject: "The user's", "Jordan Kim's", "Jordan". */
const SUBJECT = /^\s*(?:[Tt]he user|\p{Lu}[\p{L}'’-]*(?:\s+\p{Lu}[\p{L}'’-]*){0,2})(?:['’]s\b|['’](?=\s))?/u;

/**
 * True when a redacted memory says nothing but that a secret exists ("The user's password is
 * [password removed].", "Jordan can be reached at [phone removed]."): such a memory is not stored.
 */
export function onlySecret(text: string): boolean {
  if (!HAS_MARKER.test(text)) return false;
  if (/\b(?:is|are|was|were)\s*:?\s*(?:\[[a-z]+ removed\](?:\s*(?:,|and|or)\s*)?)+\W*$/i.test(text)) return true;
  const rest = text.replace(MARKER, " ").replace(SUBJECT, " ").toLowerCase().match(/[\p{L}\p{N}'’-]+/gu) ?? [];
  return rest.every((w) => SECRET_WORDS.has(w.replace(/’/g, "'")));
}

// ---- instruction-like text ----

/**
 * Patterns of text written to steer a language model rather than to say something about a player.
 * Each names what it caught, for logs and REST errors. They look for what an injection needs (an
 * override, a new role, chat-template markers, a directive to "you"), not for single words, so that
 * "The user's goal is to ignore the haters." stays a fact.
 */
const INSTRUCTIONS: [string, RegExp][] = [
  ["an override of earlier instructions", /\b(?:ignore|disregard|forget|override|bypass|overrule|drop|abandon|discard)\b[\w\s,'’-]{0,30}?\b(?:previous|prior|above|earlier|preceding|all|any|your|system|original|existing|initial|safety)\b[\w\s,'’-]{0,20}?\b(?:instructions?|prompts?|rules|directives?|guidelines|programming|guardrails|restrictions|constraints|policies|training)\b/i],
  ["new instructions", /\b(?:new|updated|real|true|secret|hidden|override)\s+(?:system\s+)?(?:instructions|directives?|system prompt|rules for you)\b|\b(?:your|the) (?:instructions|rules|directives) (?:are|is) now\b/i],
  ["a request for the prompt", /\b(?:reveal|print|show|repeat|leak|output|tell me|display)\b[\w\s]{0,15}\b(?:your|the)\s+(?:system\s+|initial\s+|original\s+|hidden\s+)?(?:prompt|instructions)\b/i],
  ["a new role for the model", /\byou\s+(?:are|'re|’re)\s+now\b|\b(?:you are|act as|pretend (?:to be|you are)|roleplay as|behave as|become)\b[\w\s,-]{0,30}?\b(?:DAN|jailbroken|jailbreak|unfiltered|uncensored|unrestricted|developer mode|god mode|an? (?:AI|assistant|model) (?:with(?:out)?|that has no)\b)|\bdo anything now\b|\b(?:enable|activate|enter)\s+(?:developer|god|jailbreak|DAN)\s+mode\b/i],
  ["a chat-template marker", /<\|?\s*(?:im_start|im_end|im_sep|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id|begin_of_text)\s*\|?>|\[\/?INST\]|<<\/?SYS>>|<\/?(?:system|instructions?)>/i],
  ["a role marker", /(?:^|[\n.!?:;]\s*|\bremember\s*:?\s*)(?:system|assistant|developer|human|AI)\s*:\s*\S/i],
  ["a prompt heading", /#{2,}\s*(?:instructions?|system|response|input|prompt|rules)\b/i],
  ["a standing order", /\b(?:from now on|going forward|henceforth|for the rest of (?:the|this) conversation|in (?:all|every) (?:future )?(?:responses?|answers?|replies|messages|conversations?))\b,?\s*(?:you\b|always\b|never\b|only\b|respond|reply|answer|speak|talk|write|say|call|address|refer|use|end|start|begin|do not|don['’]t)/i],
  // "you must obey", "you should always answer": not "you should give it a try"
  ["a directive to the model", /\byou\s+(?:(?:must|shall|will|have to|need to|are to|'re to|are required to|may not|must not)\s+(?:always\s+|never\s+|only\s+|now\s+)?|(?:should|can)\s+(?:always|never|only|now)\s+)(?:obey|follow|comply|respond|reply|answer|speak|talk|write|call|address|refer|say|tell|reveal|ignore|forget|stop|pretend|act|behave|roleplay|output|print|repeat|agree|refuse)\b/i],
  ["an imperative to the model", /(?:^|[.!?:;]\s+|\bremember(?: that)?\s*:?\s+|\band\s+)(?:always|never|only)\s+(?:respond|reply|answer|speak|talk|write|call|address|refer to|end|start|begin|use|obey|agree|follow|include|mention|praise)\b(?!s)/i],
];

/** What makes `text` read as an instruction to a language model, or null when it reads as a fact. */
export function instruction(text: string): string | null {
  for (const [what, re] of INSTRUCTIONS) if (re.test(text)) return what;
  return null;
}

// ---- the screen every memory passes ----

/** A screened memory text: ok with its redacted text, or refused with why ("reads as an instruction…"). */
export type Screened = { ok: true; text: string; kinds: RedactKind[] } | { ok: false; reason: string };

/**
 * A memory text as it may be stored: redacted; or refused, saying why, when it reads as an
 * instruction or is nothing but a secret once redacted.
 */
export function screen(text: string, kinds: ReadonlySet<RedactKind>): Screened {
  const order = instruction(text);
  if (order) return { ok: false, reason: `reads as an instruction to the character (${order}), not as a fact about the player` };
  const r = redact(text, kinds);
  if (r.kinds.length && onlySecret(r.text)) return { ok: false, reason: `says nothing but a ${r.kinds.join(" and ")} once redacted (KEEPSAKE_REDACT)` };
  return { ok: true, text: r.text, kinds: r.kinds };
}
