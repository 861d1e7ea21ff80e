// The built-in English extractor: offline, deterministic. compromise does the language work
// (sentences, tags, contractions, lemmas, conjugation); this file decides which first-person
// statements are lasting facts about the user and says them in the third person.
import nlp from "compromise";
import { FAMILY, kinSlot, PETS } from "./kin.ts";
import { quickerSweep } from "./sweep.ts";

// compromise's word transforms (lemma, conjugation), its sentence splitter, and the model they read:
// each alone, not a pass of its whole pipeline
// deno-lint-ignore no-explicit-any
const methods = (nlp as any).methods(), transform = methods.two.transform, splitSentences = methods.one.tokenize.splitSentences;
// deno-lint-ignore no-explicit-any
const model = (nlp as any).model(), world = (nlp as any).world();
// every nlp(text) runs the world's hooks; the last, compromise/three's phrase chunker, is read by
// nothing here: without it, tagging is about 8% quicker and the tags are the same
world.hooks = world.hooks.filter((hook: string) => hook !== "chunks");
// compromise's post-tagger, listing its patterns quicker (the same tags come out): ./sweep.ts
quickerSweep(world);
import type { Turn } from "../../sdk/src/protocol.ts";
import type { ExtractInput, Extraction, Extractor, Fact, Kin } from "./extractor.ts";

/** Facts longer than this are cut back to the last noun that fits. */
const MAX_WORDS = 30;

/** people the user knows who are not family: who "he", "she" or "they" can be */
const PEOPLE = new Set(["friend", "colleague", "coworker", "co-worker", "classmate", "teammate", "neighbor", "neighbour", "roommate", "boss", "mentor", "team", "crew", "family", "folks"]);
/** like/love…: the verb of a preference; "can't stand" is handled beside them */
const PREF_VERBS = new Set(["like", "love", "enjoy", "prefer", "adore", "hate", "dislike", "detest", "loathe"]);
const GOAL_VERBS = new Set(["want", "plan", "hope", "intend", "aim", "wanna"]);
/** verbs after "going to" that are the next few minutes, not a plan */
const PASSING_PLANS = new Set([
  "go", "head", "sleep", "leave", "grab", "get", "check", "say", "be", "try", "see", "let", "take",
  "make", "have", "do", "eat", "call", "watch", "tell", "ask", "think", "need", "keep",
]);
/** verbs too light to be an activity on their own: "I love to go…", "I'd like to be…" */
const LIGHT_VERBS = new Set(["be", "have", "do", "get", "go", "make", "take", "know", "see", "say", "think", "let", "keep", "try", "come", "put", "give", "hear", "talk", "chat", "meet", "find"]);
/** verbs of conversation and opinion, never a fact on their own: "I think so", "I agree", "I hope you're well" */
const OPINION_VERBS = new Set([
  "think", "know", "guess", "mean", "suppose", "bet", "agree", "hope", "wonder", "see", "understand", "believe",
  "say", "tell", "promise", "appreciate", "thank", "wish", "hear", "imagine", "mind", "swear", "admit", "doubt",
  "realize", "figure", "reckon", "wait", "remember", "forget", "let", "ask", "need", "want",
]);
/** what the user as the object of a sentence is not a fact about: "This song makes me think…", "Talking to you made me feel…" */
const CHAT_VERBS = new Set([...OPINION_VERBS, "feel", "try", "get", "hate", "love", "like"]);
/** how someone is right now: "I'm good", "I'm sure it will…" */
const PASSING_STATES = new Set([
  "fine", "okay", "ok", "well", "alright", "sure", "sorry", "glad", "tired", "busy", "bored", "ready",
  "done", "off", "back", "here", "there", "down", "up", "in", "out", "on", "all", "doing", "hungry",
  "sick", "free", "about", "almost", "curious",
]);
/** feelings of the moment, when nothing follows them: "I'm so stressed!" (but "I'm retired") */
const FEELINGS = new Set([
  "stressed", "exhausted", "confused", "worried", "excited", "thrilled", "overwhelmed", "amazed", "impressed",
  "annoyed", "pleased", "surprised", "shocked", "stuck", "blessed", "stoked", "pumped", "hooked", "lost",
  "interested", "bored", "tired", "scared", "touched", "moved", "inspired", "relieved", "flattered",
]);
/** where someone is for the moment: "I'm in the kitchen" */
const MOMENTARY = new Set(["bed", "kitchen", "shower", "bathroom", "car", "traffic", "line", "queue", "meeting", "middle", "mood", "hurry", "rush", "trouble", "pain", "room", "office", "store", "town", "way", "minute", "moment", "process"]);
/** what is said of oneself in talk, not of what one is like: "I'm sure", "I'm kidding" */
const CHAT_STATES = new Set(["sure", "right", "wrong", "serious", "kidding", "curious", "sorry", "interested", "jealous", "late", "early", "new", "single-handed", "impressed", "honored", "flattered", "speechless", "jk", "dead", "alive", "able", "unable", "aware", "positive", "certain", "convinced", "afraid", "glad", "welcome", "busy", "around", "close", "far", "first", "last"]);
/** moods of the moment, said of someone: "My sister is happy" */
const MOODS = new Set([
  "happy", "sad", "glad", "proud", "grateful", "thankful", "excited", "nervous", "upset", "angry", "mad", "lucky",
  "jealous", "worried", "good", "great", "fine", "okay", "ok", "better", "worse", "well", "cool", "awesome",
]);
/** nouns too vague to make a statement worth remembering */
const VAGUE_NOUNS = new Set([
  "time", "day", "thing", "stuff", "lot", "bit", "way", "one", "idea", "point", "sense", "fun", "luck",
  "question", "chat", "talk", "moment", "kind", "sort", "deal", "chance", "news", "anything", "something",
  "everything", "nothing", "today", "minute", "second", "things", "feeling", "ones", "others", "lots", "thought",
]);
/** nouns that name a person but not a job: "I'm a boy", "I'm a big fan" */
const NOT_JOBS = new Set([
  ...FAMILY, "boy", "girl", "man", "woman", "guy", "gal", "lady", "person", "people", "adult", "teen",
  "teenager", "fan", "friend", "member", "lover", "believer", "beginner", "fighter", "dreamer", "fool",
  "mess", "winner", "loser", "leader", "follower", "reader", "owner", "mama", "papa", "mum", "baby",
  "feminist", "optimist", "pessimist", "perfectionist", "minimalist", "idealist", "realist", "atheist",
  "introvert", "extrovert", "activist", "vegetarian", "vegan", "christian", "catholic", "buddhist",
]);
const JOBLIKE = /(er|or|ist|ician|ant|ent|eer|man|woman|person)$/;
const JOB_WORDS = new Set(["nurse", "chef", "cook", "pilot", "barista", "surgeon", "paramedic", "coach", "clerk", "nanny", "cop", "medic", "vet"]);

/** words of filler at the start of a clause: "Well, yeah, I …" */
/** words that only turn to what follows, before a comma: "On the bright side, …" */
const TURNS = [["on", "the", "bright", "side"], ["on", "the", "other", "hand"], ["in", "other", "news"], ["that", "said"], ["to", "be", "honest"], ["good", "news"], ["fun", "fact"]];
const LEADING = new Set([
  "and", "but", "so", "or", "then", "plus", "because", "cause", "also", "well", "oh", "yeah", "yes",
  "yep", "no", "nope", "okay", "ok", "honestly", "actually", "anyway", "anyways", "lol", "haha", "hey",
  "hi", "hello", "wow", "um", "uh", "btw", "basically", "totally", "now", "sure", "true", "right", "ah",
  "aw", "omg", "hmm", "wait", "still", "though", "besides", "personally", "seriously", "woah", "whoa", "yup", "yay", "really",
]);
/** adverbs that only say how strongly: left out of a memory ("so powerful" → "powerful") */
const INTENSIFIERS = new Set(["so", "really", "totally", "super", "very", "just", "definitely", "actually", "literally", "pretty", "kinda", "quite", "truly", "absolutely", "seriously", "honestly", "extremely", "incredibly"]);
/** the start of a sentence that is talk, not a fact: "Thanks…", "Glad…", "Let's…" */
const TALK = /^\W*(thanks|thank|glad|sorry|congrats|congratulations|let's|let me|lets|good luck|take care|same|me too|agreed|cheers|bye|see ya|talk soon|nice|cool|awesome|great|wow|aw+|oh)\b/i;
/** words beside the object of a liking: "I like coffee a lot", "I love the food there" */
const ASIDES = new Set(["anymore", "really", "too", "much", "also", "still", "so", "there", "here", "now", "lately", "nowadays"]);
/** "that song", "those breeds": a thing only the conversation around it names */
const DEMONSTRATIVES = new Set(["that", "this", "those", "these"]);
/** words that start a new clause: what follows is not part of the statement before */
const CLAUSE_BREAK = new Set(["because", "cause", "which", "whereas", "although", "though", "but"]);
/** pronouns that point back into the statement they follow: "…and it was so powerful" */
const REFERS_BACK = new Set(["it", "that", "this", "there", "which"]);
/** pronouns that are never a clause's subject: "a healer, a tank and me as the rogue" goes on with the list */
const OBJECT_PRONOUNS = new Set(["me", "him", "us", "them"]);
const JOINERS = new Set(["and", "so", "or", "then", "plus"]);
/** sentences that are not statements of fact */
const HYPOTHETICAL = /\b(if|wish|imagine|unless|suppose|pretend|whether|hypothetically)\b/i;
/** notes beside the words, not said by the user: "[shares a photo of …]", "[name]", "*waves*" */
const ASIDE_NOTES = /\[[^\]]*\]|\*[^*\n]{1,60}\*/g;
/** a template's placeholder left in the text, with the word that led to it: "I hike in [user1_hiking_location]" → "I hike" */
const PLACEHOLDER_SLOT = /(?:\s+(?:in|at|to|from|on|near|with|called|named))?\s*\[[a-z0-9]+(?:_[a-z0-9]+)+\]/gi;
/** a question after a statement, in the same sentence: "I'm George, what's your name?" */
const QUESTION_TAIL = /,\s*(?:(?:and|but|so)\s+)?(?:what|how|where|who|which|why|when|do|does|did|are|is|have|has|can|could|would|will|wanna|you)\b[^,.!?]*\?+\W*$/i;
/** laughter and the like, wherever it stands: "I love pizza lol" */
const LAUGHS = /^(lol|lmao|lmfao|haha+|hehe+|ha|xd|rofl|ugh+|meh|yay+|omg)$/;
/** what, after a smiley, starts a sentence of its own: "I love my cat :) she is the best" */
const EMOJI_ENDS = /^\s*(?:\p{Lu}|(?:i|i'm|im|i've|ive|my|she|he|they|we|it|it's|its|you|that|this)\b)/u;
/** emoji and text smileys, which say how the user feels about what they say, not what: "🎉", ":)", "<3" */
const EMOJI = /[\p{Extended_Pictographic}\u{1F3FB}-\u{1F3FF}\u{1F1E6}-\u{1F1FF}\uFE0F\u200D]+|(?<=^|\s)(?:[:;=8][-']?[()DPp3\]\[/\\|*oO]+|<3+|[xX]D+|\^_?\^)(?=$|\s|[.,!?])/gu;
/** chat asides, wherever they stand: "I'm vegan btw" */
const CHAT_ASIDES = /\s*\b(?:btw|tbh|ngl|fyi|imo|imho)\b/gi;
/** "my birthday's next Tuesday": the "'s" of a day the tagger takes for whose */
const DAY_IS = /\b(birthday|bday|anniversary)['’]s\b/gi;
/**
 * "Here's a new shield I forged yesterday", "It's a tavern I go to often", "Here's a pic of a pie I
 * baked": something shown or named, then what the user did with it. Read as "I forged a new shield
 * yesterday". Groups: what leads, the thing, the verb, what follows.
 */
const SHOWN = /^((?:\W*(?:yup|yeah|yes|so|oh|well|and|wow|thanks|hey)\b\W+)*)(?:here's|here is|this is|check out|look at|it's|it is)\s+(?:(?:a|the)\s+(?:pic|photo|picture|shot|snap)\s+of\s+)?((?:a|an|the|this|that|my|another|some)\s+(?!reason)[\w'-]+(?:\s+(?!that\b|which\b|i\b)[\w'-]+){0,5})\s+(?:that\s+|which\s+)?i\s+(\w+ed|made|got|found|took|bought|wrote|drew|built|did|go\s+to|use|visit)\b((?:\s+[\w'-]+){0,5}\W*)$/i;
/** "I've been busy painting - here's something I finished": a showing after a dash is a sentence of its own */
const SHOWING_AFTER_DASH = /\s+[-–—]+\s+(?=(?:here's|here is|here are|check out|check it out|look at|take a look)\b)/gi;
/**
 * Advice the user gives the character, whole sentences only: "You should fix the north gate first",
 * "Make sure you bring rope", "When picking a sword, make sure it fits your hand", "I think you'd love
 * the old lighthouse". Groups: what the user advises; what they recommend (two forms); "make sure" with a clause.
 */
const ADVICE = new RegExp("^(?:(?:for one|first|also|and|so|plus|oh|well|yeah|yes|yep|sure|definitely|honestly|trust me),?\\s+)*" +
  "(?:(?:when|before|after|while)\\s+[^,]{3,40},\\s+)?(?:(?:i think|i'd say)\\s+)?" +
  "(?:(?:you should|you have to|you've got to|you gotta|you need to|make sure(?: that)? you|make sure to|be sure to|don't forget to|remember to)\\s+(?!just\\b)(.+?)" +
  "|(?:you'd|you would|you might|you'll) (?:love|like|enjoy)\\s+(.+?)|i(?:'d)? (?:recommend|suggest)\\s+(.+?)|(make sure (?:that )?.+?))[.!]*$", "i");
/**
 * The user's thanks for what the character gives them: "Your support means a lot", "I really appreciate
 * your help", "Thanks for having my back" (not "they always have my back"). Groups: what is thanked for.
 */
const THANKS_FOR = /\b(?:your|you(?=r?\s+(?:having|being)))\s+(?:(?:continued|constant|kind|endless)\s+)?(support|backing|help|assistance|encouragement|kind words|friendship|advice|faith in me|belief in me)\b|\b(?:for (?:\w+ )?having|you(?:'ve)?(?: \w+)? (?:have|had|got|having)) my back\b|\bhav(?:e|ing) you in my corner\b/i;
/** ...and that it is said as thanks, not asked for ("Can I get your help?") */
const THANKING = /\b(?:means?|meant|mattered|matters|appreciate[sd]?|grateful|thankful|thanks?|helps?|helped|motivates?|keeps? me going|awesome|priceless|glad)\b/i;
/** "It's important to help family in hard times": what the user holds important. Groups: the word, what follows ("to …" or "that …"). */
const IMPORTANT = /^(?:(?:yeah|yes|yep|totally|definitely|so true|agreed|exactly|absolutely|true|and|but|plus|i think|i believe|i feel like)\W+)*(?:it's|it is) (?:so |really |super |very |always |just |truly )?(important|essential|crucial|vital) (?:to me |for me )?((?:to|that) .+?)[.!]*$/i;
/** words of advice that tell nothing: "You should definitely give it a try sometime!" */
const ADVICE_FILLER = new Set("they them their this that some sometime soon its have time sure there give definitely really maybe more again".split(" "));
/** a question of the character's about what the user just spoke of: "How did they react?", "What's on it?", "What's the new one about?" */
const ASKS_BACK = /\b(?:it|they|them|this one|that one|the new one)\b[^.!?]*\?\s*(?:\[[^\]]*\])?\s*$/i;
/** "my fave", "my top pick": the user's favorite, said as memories say it */
const FAVE = /\b(my |is |are )(?:fave|fav|top pick|all-time fave)\b(?!\w)/gi;
/** "…, like you asked": the character's part in what the user did, left off it */
const AS_ASKED = /,?\s+(?:just\s+)?(?:like|as)\s+you\s+(?:asked|said|told\s+me(?:\s+to)?|wanted|suggested|requested)\b[^.!?]*/i;
/** a wondering tacked on after a comma: "…, so who knows if I'll ever get a pet" */
const WONDERING_TAIL = /,\s*(?:(?:so|and|but)\s+)?(?:who knows|i wonder|not sure)\b[^.!?]*[.!?]*$/i;
/** what the user hopes for, tacked on after what they did: "I'll submit it and, hopefully, win a prize" (a sentence that starts with it is all hope) */
const HOPED_TAIL = /,?\s+(?:and|but|so)?\s*,?\s*\(?hopefully\)?,?\s([^.!?]*)/i;
/** …said as a hope when the user is the one hoping and a verb follows: "I'll submit it and hopefully win" → "I'll submit it and hope to win" */
const hoped = (s: string) => s.replace(HOPED_TAIL, (_, rest: string, at: number) =>
  /\bi\b/i.test(s.slice(0, at)) && !/^(the|a|an|my|our|your|it|its|that|this|they|we|he|she|you|i|so|not|soon|one)\b/i.test(rest) ? ` and hope to ${rest}` : "");
/** "…a favorite of mine - I mean," left over from a question after it: talk, not a statement */
const I_MEAN_TAIL = /\s*(?:[-–—,]\s*)?\bI mean\W*$/i;
/** "a favorite of mine": one of the user's favorites, said as memories say it */
const OF_MINE = /\ba (?:fav(?:ou?rite|e)) of mine\b/i;
/** a link back to the talk, tacked on at the end: "I just reorganized my shelf, speaking of." */
const SPEAKING_OF = /,\s*speaking of(?: which| that)?(?=[.!]*$)/i;
/** "I found out recently (that) I'm allergic to…", "I realized I love…": what the user came to know of themself, read as said */
const CAME_TO_KNOW = /^((?:\W*(?:yeah|yes|so|oh|well|and|but|also|actually)\b\W+)*)i\s+(?:just\s+|recently\s+|finally\s+)?(?:found out|learned|learnt|realized|realised|discovered)(?:\s+(?:recently|lately|today|yesterday|last week))?\s+(?:that\s+)?(?=(?:i|i'm|i've|i am|i have)\b)(?!i'm going|i am going)/i;
/** "(I) wanted to let you know (that) I…", "Just wanted to tell you I…": a frame around what the user says, left out */
const TELLING = /^(?:[^.!?]*?(?:,|\bbut)\s+)?(?:i\s+)?(?:just\s+)?want(?:ed)?\s+to\s+(?:let\s+(?:you|ya)\s+know|tell\s+(?:you|ya))\s+(?:that\s+)?(?=(?:i|i'm|i've|i'll|my)\b)/i;
/** a sentence that may be about the user */
const SELF = /\b(i|my|me|we|our)\b/i;
/** adverbs that may come before a verb whose subject "I" is left out: "Just finished a book" */
const SOFT_LEADS = new Set(["just", "finally", "recently", "also", "actually", "still", "really"]);
/**
 * A gerund that may start a sentence about what the user is doing ("Researching old shipwrecks"),
 * but not "Anything…" nor a gerund that is the subject of a verb soon after ("Painting is great"):
 * those are left out before the slower tagging.
 */
const GERUND_LEAD = "(?!(?:any|no|some|every)thing\\b)\\w+ing(?!(?:'s)?\\s+(?:[\\w-]+\\s+){0,3}?(?:is|was|are|were|can|could|would|will|must|makes?|made|helps?|keeps?|gives?|looks?|takes?|brings?|means?)\\b)";
/** a sentence that starts with a verb and leaves out "I": "Finished the marathon!", "Planning a trip" */
const IMPLIED_VERB = `(?:(?:${[...SOFT_LEADS].join("|")})\\s+)?(?:\\w+ed|went|got|had|made|took|saw|found|ran|won|lost|bought|met|began|built|spent|became|gonna|wanna|love|enjoy|been|grew|${GERUND_LEAD})\\b`;
const IMPLIED_I = new RegExp(`^\\W*${IMPLIED_VERB}`, "i");
/** the same, at the start of any sentence of a turn */
const IMPLIED_I_ANYWHERE = new RegExp(`(?:^|[.!?]\\s)\\W*${IMPLIED_VERB}`, "i");
/** words tacked on after a comma that say nothing of the user: "I stole your sword, sorry." */
const TACKED_ON = new Set(["sorry", "thanks", "please", "honestly", "lol", "haha"]);
/** "I think I …": a hedge before what the user says they did */
const HEDGES = new Set(["think", "guess", "believe", "suppose", "reckon"]);
/** "Planning a trip next month": what the user is busy with, "I am" left out */
const ONGOING = new Set(["planning", "hoping", "working", "thinking"]);
/** a fact whose name is a placeholder: "… is Player 2.", "Their name is name." */
const PLACEHOLDER = /\b(?:name is|user is)\s+(?:(?:user|player|guest)\s*\d+(?:'s name)?|name)\.?$/i;
/** a sentence that goes on about what the one before it said: "It was so powerful." */
const CONTINUES = /^\W*(it|it's|that|that's|this|they|they're|there)\b/i;
/** …and one that says what the thing was like: "The view was breathtaking.", "Everyone was so kind.", "Seeing it was stunning." (not talk: "Sounds great", "Life is good") */
const DESCRIBES = /^\W*(?:and |plus |also )?(?!(?:look|looks|sounds|seems|check|guess|hope|let|life|he|she|they|we|i|you|it|this|that|there|here|what|who|which)\b)(?:the|everyone|everybody|everything|[a-z-]+(?:'s)?)\b[^.!?,;]{0,40}?\b(?:was|were|is|are)\b/i;
/** …and one that says what it did to the user, or what there is of it: "It made me so proud.", "There's a lot I forgot I owned." */
const CONTINUES_ON_USER = /^\W*(it|it's|there's|there is|there are)\b/i;
/** a sentence about someone the sentence before named: "She's a nurse." */
const ABOUT_THEM = /^\W*(he|she|he's|she's)\b/i;
/** a character's question whose bare answer is a fact */
/** "Where are you (originally) from?", "Where do you hail from?", "Where did you grow up?"; "Where do you live?" */
const WHERE_FROM = /\bwhere (?:are|were) you (?:originally |born and raised |born )?from\b|\bwhere do you (?:come|hail) from\b|\bwhere did you grow up\b/i;
const WHERE_LIVE = /\bwhere do you live\b|\bwhere are you living\b/i;
/** "What's your name?", "What can I call you?"; "How old are you?" */
const NAME_ASKED_OF_USER = /\b(?:your|ur) name\b|\bcall you\b/i;
const AGE_ASKED = /\bhow old\b/i;
const ASKS = new RegExp(`${NAME_ASKED_OF_USER.source}|${AGE_ASKED.source}|\\byour fav(?:ou?rite|e)\\b|${WHERE_FROM.source}|${WHERE_LIVE.source}|\\bhow often do you\\b|\\bhow long have you been\\b`, "i");
/** "How long have you been painting?": what the user has been doing */
const HOW_LONG = /\bhow long have you been ([a-z' -]{2,60}?)\s*\?/i;
/** an answer that says how long: "Since I was 17 or so", "For ten years", "About six months now" */
const DURATION = /^\W*(?:(?:thanks|thank you|yeah|yes|oh|well|hmm|haha|um|wow)\b[^a-z]*(?:[A-Z][a-z]+\W+)?)*((?:since|for) [^.!?;,]{2,40}|(?:about |around |almost |over |nearly )?(?:\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|a few|several|many) (?:years?|months?|weeks?)(?: now)?)/i;
/** "How often do you (all) go fishing?": (all), what is done */
const HOW_OFTEN = /\bhow often do you( all| guys| two)? ([a-z' -]{3,60}?)\s*\?/i;
/** an answer that says how often: "Three times a week", "Every Sunday", "Twice a month, at least" */
const FREQUENCY = /^\W*(?:(?:thanks|thank you|yeah|yes|oh|well|hmm|haha|sure)\b[^a-z]*(?:[A-Z][a-z]+\W+)?)*((?:about |around |at least )?(?:once|twice|(?:two|three|four|five|six|\d+|a few|several|many) times|every (?:other )?(?:day|week|month|morning|night|evening|weekend|sunday|monday|tuesday|wednesday|thursday|friday|saturday)|daily|weekly|monthly|most days)(?: (?:a|per|each|every) (?:day|week|month|year))?)\b/i;
const MODALS = new Set(["would", "could", "should", "might", "may", "must", "will", "shall"]);
const STATIVE = new Set([
  "be", "have", "know", "like", "love", "want", "need", "feel", "think", "seem", "use", "live", "own",
  "hate", "prefer", "enjoy", "hope", "mean", "grow", "bear", "born",
]);
/** the user's words for themself, as said of them ("our" is the user's family or group) */
const THIRD_PERSON: Record<string, string> = { me: "them", my: "their", mine: "theirs", myself: "themselves", our: "their", ours: "theirs" };
const FIRST_PERSON = /\b(i|i'm|i've|i'd|i'll|me|my|mine|myself|we|our|ours|ourselves)\b/i;
/** adverbs compromise sometimes tags otherwise: "I also now live…" ("now" as a conjunction) */
const SOFT_ADVERBS = new Set(["now", "also", "still", "just", "currently", "finally", "recently", "usually", "always", "often", "sometimes", "even"]);

// Session memory: the task of the moment, stored to expire (Fact.shortLived).
/** said of the moment: a present fact of its sentence is short-lived */
const MOMENT = /\b(right now|at the moment|at present|for now|for the moment|this (quest|mission|errand|level|round))\b/i;
/** "At the moment, I …": kept apart from the clause (its sentence is marked by MOMENT) */
const MOMENT_LEADS = [["currently"], ["at", "the", "moment"], ["at", "present"], ["for", "now"], ["for", "the", "moment"]];
/** "I'm looking for the blue key", "I'm hunting the troll": searching, in the present progressive */
const SEEK_VERBS = new Set(["look", "search", "hunt", "seek"]);
/** "I'm heading to the harbor": on the move, with a direction */
const MOVE_VERBS = new Set(["go", "head", "ride", "sail", "walk", "run", "drive", "fly", "return", "travel", "hurry", "rush", "sneak", "make"]);
const DIRECTIONS = new Set(["to", "toward", "towards", "into", "back", "home"]);
/** "I'm exploring the ruins", "I'm escorting the merchant": a quest's errand */
const QUEST_VERBS = new Set(["explore", "escort", "fetch", "deliver", "chase", "wait"]);
/** "I'm trying to find the sword": what trying is a task for */
const TRY_TASKS = new Set(["find", "reach", "open", "catch", "beat", "defeat", "escape", "solve", "finish", "complete", "unlock", "cross", "locate", "rescue", "save", "fix"]);
const QUESTS = new Set(["quest", "mission", "errand", "hunt", "journey"]);
/** what a search or a move is for when it lasts longer than a day: "I'm looking for a new job" */
const LASTING_AIMS = new Set([
  "job", "work", "house", "apartment", "flat", "partner", "girlfriend", "boyfriend", "wife", "husband", "career", "school", "college",
  "university", "roommate", "someone", "somebody", "love", "relationship", "advice", "tip", "suggestion", "idea",
]);
/** "I'm always looking for new games": a habit, not a task */
const HABITUAL = new Set(["always", "usually", "often", "constantly", "forever", "generally", "normally", "sometimes", "every"]);

/** "us", but not "the US" */
const US = /\bus\b/;
const SECOND_PERSON = /\b(you|ya|your|yours|yourself|yourselves)\b/i;

interface Tok {
  /** as written; the implied word for a contraction's parts ("I'm" → "i", "am") */
  text: string;
  /** lowercase normal form */
  w: string;
  tags: Set<string>;
  /** punctuation and space after it, as written */
  post: string;
  /** the first word of its sentence */
  first: boolean;
  /** a part of a contraction ("don't" → "do", "not"): spaced apart when written out */
  contracted?: boolean;
  /** "we" made of "my sister and I": who is with the user */
  with?: Tok[];
}

interface CompromiseTerm { text: string; normal: string; implicit?: string | null; post: string; tags: string[] }

interface Ctx {
  name?: string; day: string; seq: number[]; facts: Fact[];
  /** the sentence says it is of the moment ("right now") */
  now?: boolean;
  /** the clause at hand is the task of the moment: its facts (no slot, or a goal) are short-lived */
  moment?: boolean;
  /** what the user's last sentence in this turn was about: what a following "it" (or "he", "she") means */
  thing?: Thing;
  /** the person or pet the turn last named, clause by clause: who a following "him" or "her" is */
  who?: Thing;
  /** where this turn's statements begin in `facts` */
  from: number;
  /** "It made me proud.", with no thing to put for "it": kept only joined to the statement before it */
  dangling: Set<Fact>;
  /** "It helps me unwind." after "Baking gives me joy.": said of what the statement before was about */
  goesOn: Set<Fact>;
}

/** Something a sentence named; `own`: the user's ("my dog"); `kind`: who "he" or "she" can be; `subject`: what the sentence was about */
interface Thing { toks: Tok[]; own: boolean; kind: "person" | "pet" | "thing"; subject?: boolean }

/** An "I …" clause taken apart: subject, auxiliaries, main verb, what follows. */
interface Clause {
  toks: Tok[];
  /** the first verb after the subject: the one that agrees with it */
  verbAt: number;
  /** the main verb */
  mainAt: number;
  lemma: string;
  aux: string[];
  neg: boolean;
  /** "no longer", "anymore" */
  noLonger: boolean;
  /** tokens after the main verb */
  rest: Tok[];
}

export class BuiltinExtractor implements Extractor {
  readonly name = "builtin";

  extract(input: ExtractInput): Promise<Extraction> {
    const { facts, note } = readSession(input.turns, input.knownName, input.knownKin);
    return Promise.resolve({ facts, extractor: "builtin", ...(note ? { note } : {}) });
  }
}

/** Every fact about the user in one session's turns, in turn order (readSession's facts). */
export function extractFacts(turns: Turn[], knownName?: string, knownKin?: Kin[]): Fact[] {
  return readSession(turns, knownName, knownKin).facts;
}

/**
 * A session's facts, in turn order. A turn whose reading throws (a bug of this file's, on words nobody
 * tried) gives no facts, and the rest of the session is read as usual: `unread` names it and its error,
 * and `note` says so for the session's status.
 */
export function readSession(turns: Turn[], knownName?: string, knownKin: Kin[] = []): { facts: Fact[]; unread: string[]; note?: string } {
  const unread: string[] = [];
  const facts = readTurns(turns, knownName, knownKin, unread);
  return { facts, unread, ...(unread.length ? { note: `the built-in extractor could not read ${unread.join(", ")}; the other turns were read` } : {}) };
}

/** A user's turn as the rules read it: notes, asides and emoji out, what chat leaves out put back in, spacing tidied. */
function asWritten(text: string, ofKin: (text: string) => string): string {
  const said = text.replace(PLACEHOLDER_SLOT, "").replace(ASIDE_NOTES, " ").replace(SHOWING_AFTER_DASH, ". ").replace(CHAT_ASIDES, "")
    .replace(DAY_IS, "$1 is")
    .replace(EMOJI, (emoji: string, at: number, all: string) => (EMOJI_ENDS.test(all.slice(at + emoji.length)) && /\w\s*$/.test(all.slice(0, at)) ? ". " : " "))
    .replace(BORN_LEAD, (_, lead: string, born: string) => `${lead}I was ${born.toLowerCase()}`)
    .replace(ALWAYS_LEAD, (_, lead: string, always: string) => `${lead}I've ${always.toLowerCase()}`)
    .replace(WE_HAVE_KIN, "$1I have ");
  return namesInline(spelledOut(ofKin(said))).replace(/\s+([,.!?;:])/g, "$1").replace(/\s+/g, " ").replace(/^[\s,]+/, "").trim();
}

/**
 * "Max passed away last week", Max being the user's dog from an earlier session: "My dog Max passed
 * away…"; only when the next word says the one named does something (not "Max settings make…").
 */
function kinFirst(knownKin: Kin[]): (text: string) => string {
  if (!knownKin.length) return (text) => text;
  const kinOf = new Map(knownKin.map((k) => [k.name, k.kin]));
  const first = new RegExp(`(^|[.!?]\\s+)(${knownKin.map((k) => k.name.replace(/[^\p{L}'-]/gu, "")).join("|")})(?=\\s+([\\p{L}']+))`, "gu");
  return (text) => text.replace(first, (all, lead: string, name: string, next: string) => (doesSomething(next) ? `${lead}My ${kinOf.get(name)} ${name}` : all));
}

function readTurns(turns: Turn[], knownName: string | undefined, knownKin: Kin[], unread: string[]): Fact[] {
  const ofKin = kinFirst(knownKin);
  turns = turns.map((t) => (t.role === "character" ? { ...t, text: askedOut(t.text) } : t));
  const ctx: Ctx = { name: knownName ? firstWord(knownName) : undefined, day: "", seq: [], facts: [], from: 0, dangling: new Set(), goesOn: new Set() };
  // what the character said right before a user's turn, and that said between two of the user's
  const before = (i: number) => (turns[i].role === "user" && turns[i - 1]?.role === "character" ? turns[i - 1].text : null);
  const between = (i: number) => (turns[i - 2]?.role === "user" ? before(i) : null);
  const texts = turns.map((t, i) => {
    if (t.role !== "user") return "";
    let text = asWritten(t.text, ofKin);
    const asked = before(i);
    if (!asked) return text;
    // "Do you have any pets?" "Two cats." and "Have you been camping before?" "Yeah, plenty of times.":
    // the user said it of themself
    // "What's your name?" "Sam. I'm a blacksmith…": a bare first answer, said whole, then the rest read as usual
    const first = firstAnswered(asked, text);
    if (first) return first;
    const has = hasWhat(asked, text);
    if (has) return has;
    // "Where do you live?" "Small town in Vermont.": "I live in a small town in Vermont."
    const town = placeDescribed(asked, text);
    if (town) return town;
    // "Are you married?" "Engaged actually!": "I am engaged."
    const state = STATE_ANSWER.exec(text);
    if (state && yesNoAsked(asked)?.aux === "are") return `I am ${state[1].toLowerCase()}. ${text.slice(state[0].length)}`.trim();
    // "My brother joined the mercenaries." "What's his name?" "Tomas.": the name of the one the user spoke of
    const named = nameGiven(asked, turns[i - 2]?.role === "user" ? turns[i - 2].text : "", text);
    if (named) return named;
    // ("Do you like jazz?" "Yes! I listen to it every day.": "it" is jazz)
    const yesNo = yesNoAsked(asked);
    const asks = yesNoTopic(yesNo);
    if (asks) text = itIs(text, asks);
    const yes = saidYes(yesNo, text);
    if (yes) return `${yes} ${SHORT_YES.test(text) ? afterShortYes(text) : text}`.trim();
    // "Have you been to Japan?" "No, never.": "I have not been to Japan."
    const no = saidNo(yesNo, text);
    if (no) return `${no} ${text.replace(NO, "")}`.trim();
    // "Nope, only child.": no siblings
    if (ONLY_CHILD.test(text)) return text.replace(ONLY_CHILD, "I'm an only child. ").trim();
    // "Do you speak German?" "A little.": a yes, and how much
    const some = yesNo?.aux === "do" && yesNo.rest ? HOW_MUCH.exec(text) : null;
    if (some) return `I ${yesNo!.rest} ${some[1].toLowerCase()}. ${text.slice(some[0].length)}`.trim();
    // (a short yes to what no rule reads says nothing: what follows it stands alone)
    if (SHORT_YES.test(text)) return afterShortYes(text);
    // "What class do you play?" "Usually a druid.": "I usually play a druid."
    const what = whatAnswered(asked, text);
    if (what) return what;
    // "What do you like about skateboarding?" "I love the freedom of it.": "it" is skateboarding;
    // "What kind of flowers do you grow?" "…my favorite are roses.": the favorite flowers
    const topic = topicAsked(asked);
    return favoriteOf(topic ? itIs(text, topic) : text, kindAsked(asked));
  });
  // what the character asked about, of the user's: "What's your new comic about?" → "new comic"
  const about = turns.map((_, i) => { const asked = before(i); return asked ? askedAbout(asked) : null; });
  // "How did they react?", "What's on it?": the character asks back about what the user just spoke of
  const back = turns.map((_, i) => ASKS_BACK.test(between(i) ?? ""));
  // ("My uncle Joe offered to teach me." "That's kind of him." "Yeah, he's a retired bus driver.": the
  // character spoke of someone the user's last turn named, and the user goes on about them)
  // (or asked of them, "Is she doing well?", or only said "Wow!" between: the user goes on about the same one)
  const spokeOf = turns.map((_, i) => {
    const said = between(i);
    return !!said && (/\b(him|her|he|she|his)\b/i.test(said) || (said.split(/\s+/).length <= 4 && !/\p{Lu}\p{Ll}+\s+\p{Lu}|\?/u.test(said.slice(1))));
  });
  // each user turn's sentences, split once: read as statements (tagged) and by the rules that read text
  const split = texts.map((text) => (text ? sentencesIn(text) : []));
  // what a statement's sentence goes on to say of it, in a sentence without the user ("The view was breathtaking.")
  const tails = turns.map(() => new Map<number, string[]>());
  const said = tagged(turns.map((t, i) => (t.role === "event" ? [doneByUser(t.text)] : statements(texts[i], split[i], !!about[i] || back[i] || spokeOf[i], tails[i]))));
  const read = (turn: Turn, i: number) => {
    ctx.day = turn.at.slice(0, 10);
    ctx.seq = [turn.seq];
    if (turn.role === "event") {
      if (turn.text.trim()) eventFact(turn.text, said[i][0], ctx);
      return;
    }
    if (!texts[i]) return;
    const asked = turns[i - 1]?.role === "character" && ASKS.test(turns[i - 1].text) ? turns[i - 1] : undefined;
    if (asked && answer(asked, texts[i], ctx)) return;
    // "It's a mix of horror and comedy." after "What's your new comic like?": the user's new comic
    // (or, asked back about it, what the user's last turn spoke of)
    const still = !about[i] && !back[i] && spokeOf[i] ? ctx.who : undefined;
    ctx.thing = about[i] ? askedThing(about[i]!, ctx) : back[i] ? ctx.thing : still;
    ctx.who = still;
    advice(split[i], ctx);
    gratitude(split[i], ctx);
    belief(split[i], ctx);
    const there = placeBefore(turns[i - 1]?.role === "character" ? turns[i - 1].text : "", texts[i]);
    ctx.from = ctx.facts.length;
    for (let [j, sentence] of said[i].entries()) {
      if (there) sentence = sentence.flatMap((t, k, all) => (t.w === "there" && k > 0 && !isVerb(all[k + 1])
        ? [synthetic(TOWARDS.test(all[k - 1].w) ? "to" : there.at), ...there.name] : [t]));
      ctx.now = MOMENT.test(sentence.map((t) => t.text).join(" "));
      sentence = together(sentence);
      homeCountry(sentence, ctx);
      // (the home country said in passing is no reading of the sentence: "This necklace is special to me - a gift from my home country, Sweden")
      const n = ctx.facts.length;
      if (promise(sentence, ctx)) continue;
      const parts = clausesOf(sentence);
      let firstEmpty = false;
      for (let [p, part] of parts.entries()) {
        const m = ctx.facts.length;
        part = parts[p] = withWho(part, ctx);
        clause(part, ctx);
        // (who "he" or "she" is stays who it was: "My daughter is 8 and she loves horses" names no one new)
        const pronoun = /^(he|she|they)$/.test(part[0].w), named = subjectOf(part, ctx) ?? (pronoun ? undefined : objectOf(part, ctx));
        if (named && named.kind !== "thing") ctx.who = named;
        // "…, and we went biking": a statement of the user's that no rule took, beside one that a rule did
        if (ctx.facts.length === m && ctx.facts.length > n && /^(we|i)$/.test(part[0].w)) statement(part, ctx);
        // ("I have one daughter, she's four", "two cats, and they sleep all day": what is said of those just named, too)
        if (ctx.facts.length === m && ctx.facts.length > n && p > 0 && pronoun && ctx.who) {
          const was = ctx.thing;
          ctx.thing = ctx.who;
          statement(part, ctx);
          ctx.thing = was;
        }
        if (p === 0 && ctx.facts.length === m && /^(we|i)$/.test(part[0].w)) firstEmpty = true;
      }
      // (and the first, when no rule took it but one took a later part: it comes first)
      if (firstEmpty && ctx.facts.length > n) {
        const later = ctx.facts.splice(n);
        statement(parts[0], ctx);
        ctx.facts.push(...later);
      }
      if (ctx.facts.length === n) statement(sentence, ctx);
      const last = ctx.facts.length > n ? ctx.facts[ctx.facts.length - 1] : undefined;
      for (const tail of tails[i].get(j) ?? []) {
        if (!last || last.slot || !fitTogether(last.text, tail)) break;
        last.text = andThen(last.text, `${lowerFirst(tail.replace(/^\W*(?:and|plus|also)\s+/i, "").replace(/[\s.!]+$/, ""))}.`);
      }
      ctx.thing = subjectOf(sentence, ctx) ?? objectOf(sentence, ctx) ?? ctx.thing;
      kinNamed(sentence, ctx);
    }
    continued(ctx, texts[i]);
    // "we", said in a turn that names the user's people ("my kids", "the gang"), is the user and them
    // (or in the user's turn before: "My partner Alex isn't thrilled." "We've been together six years.")
    const lastOwn = turns[i - 1]?.role === "user" ? texts[i - 1] : turns[i - 2]?.role === "user" && turns[i - 1]?.role === "character" ? texts[i - 2] : "";
    const company = companyOf(texts[i]) ?? companyOf(turns[i - 1]?.role === "character" ? turns[i - 1].text : "", true) ?? companyOf(lastOwn);
    if (company) {
      const ours = new RegExp(`\\b(${subject(ctx)}|the user) and others\\b`, "g");
      for (const f of ctx.facts.slice(ctx.from)) f.text = f.text.replace(ours, `$1 and ${company}`);
    }
  };
  turns.forEach((turn, i) => {
    const before = ctx.facts.length;
    try {
      read(turn, i);
    } catch (e) {
      ctx.facts.length = before;
      unread.push(`turn ${turn.seq} (${e instanceof Error ? e.message : String(e)})`);
    }
  });
  // the last guard: a fact that still speaks as the user, or to the character, is dropped
  // and a placeholder for a name ("my name is [name]", "I'm Player 2") says nothing
  return dedupe(ctx.facts.filter((f) => !SUGGESTION.test(f.text) && !hollow(f.text, subject(ctx))).map((f) => salvaged(f, subject(ctx))).filter((f): f is Fact => f !== null));
}

/** the user's people, named in a turn: "my kids", "with the gang"; in the character's turn, "your family" */
const COMPANY = /\b(?<!\b(?:near|to|from|at|by|behind|beside|than|visit|visited|visiting|called|told|miss|missed)\s)(?:(my|our|your)|with (the)) (family|kids|children|wife|husband|partner|friends|buddies|team|crew|colleagues|coworkers|classmates|parents|gang|band|students|guild|clan|squad)\b/i;

/** Who "we" is in a turn that names the user's people: "their kids", "the gang" (the first named). */
function companyOf(text: string, theirs = false): string | undefined {
  const m = COMPANY.exec(text);
  if (!m || (theirs !== (m[1]?.toLowerCase() === "your"))) return undefined;
  return `${m[2] ? "the" : "their"} ${m[3].toLowerCase()}`;
}

/** "Oh, I see.", "I know!", "Got it.": the user taking in what was said */
const ACKNOWLEDGES = /^\W*(?:(?:oh|ah|ok|okay|yeah|yes|well|hmm|right)\W+)*(?:i )?(?:see|know|understand|get it|got it|hear you|agree|bet|guess|gotcha)\W*$/i;
/** a short yes or exclamation: "Yeah, plenty of times.", "Totally!", "Haha, yes." (four words at most, fillerYes) */
const FILLER_YES = /^\W*(?:yes|yeah|yep|yup|totally|definitely|absolutely|sure|haha|lol|wow|oh|aw+|of course)\b[^.!?]*[.!?]*$/i;
const fillerYes = (s: string) => FILLER_YES.test(s) && s.trim().split(/\s+/).length <= 4;

/** the talk between the user and the character itself: "We haven't talked in a while", "Long time no see" */
const CATCHING_UP = /\bwe (?:haven't|have not|hadn't) (?:talked|spoken|chatted|caught up)\b|\blong time no (?:talk|see|chat|speak)\b|^\W*(?:it's been|been) (?:a while|ages|forever) since we\b/i;

/** A word that points back to what was said before it: "it", "this", "there"… */
const POINTS_BACK = /\b(it|its|this|that|these|those|there)\b/i;
/** How the user took what they just told of: "…, and felt at home", "…, and wanted to capture the light"; or what they asked of it */
const TOOK_IT = /^(felt|feels|feel|wanted|hoped|hopes|enjoyed|loved|found|is looking for (?:advice|tips|suggestions|ideas))\b/;
/** the user asking the character for advice on something: "Any tips on marketing?". Groups: what is asked for, on what. */
const ASKS_ADVICE = /^\W*(?:[\w\s,'-]*?\b)?(?:any|some)\s+(advice|tips|suggestions|ideas)\s+((?:on|for|about)\s+[^?]{3,80})\?\s*$/i;
/** The longest memory two statements make together, in words: more is a paragraph, not a fact. */
const JOINED_WORDS = 40;
const fitTogether = (first: string, then: string) => first.split(" ").length + then.split(" ").length <= JOINED_WORDS;
/** "Jordan went to the fair." and "it was loud." → "Jordan went to the fair, and it was loud." */
const andThen = (first: string, then: string) => `${first.replace(/[\s.!;]+$/, "")}, and ${then}`;

/**
 * A turn's statements from `from` on, where one goes on about the one before it: said as one memory.
 * It goes on when it points back ("I painted this after my trip to the coast. That took me a week."),
 * says more of what the one before was about ("Baking gives me joy. It helps me unwind."),
 * speaks of the same thing ("I joined a choir. The choir sings on Sundays."), or tells how the user
 * took it ("I went to the fair. I felt at home there."): "Jordan went to the fair, and felt at home
 * there.", so that "it" keeps what it means and a feeling stays with what caused it. Facts with a slot
 * stay apart (merge replaces them alone), and so do two that would make more than JOINED_WORDS.
 */
function continued(ctx: Ctx, text: string): void {
  const who = `${subject(ctx)} `;
  for (let k = ctx.facts.length - 1; k >= ctx.from; k--) {
    const f = ctx.facts[k], before = ctx.facts[k - 1];
    // (one that still speaks to the character is dropped at the end: nothing joins it)
    const alone = k === ctx.from || f.slot || before.slot || !!f.shortLived !== !!before.shortLived || speaksAsUser(before.text) || speaksAsUser(f.text) ||
      !fitTogether(before.text, f.text);
    if (alone) {
      if (ctx.dangling.has(f)) ctx.facts.splice(k, 1);
      continue;
    }
    // (what stands alone never goes into what may not: that one may go, and would take it along)
    if (ctx.dangling.has(before) && !ctx.dangling.has(f)) continue;
    const byUser = f.text.startsWith(who) && !f.text.startsWith(`${who}and `);
    const body = byUser ? f.text.slice(who.length) : f.text;
    if (!POINTS_BACK.test(body) && !(byUser && TOOK_IT.test(body)) && !ctx.goesOn.has(f)) continue;
    // "Jordan felt…" after "Jordan went…" → "and felt…"; "It took…" → "and it took…"; a name keeps its capital
    let rest = byUser && before.text.startsWith(who) ? body : (ctx.name && f.text.startsWith(ctx.name)) || properFirst(f.text, text) ? f.text : lowerFirst(f.text);
    // "Skating helps Jordan unwind" and "skating is a must-have in Jordan's week": "… in their week", named once is enough
    const user = object(ctx);
    if (before.text.toLowerCase().includes(user.toLowerCase())) rest = rest.replace(new RegExp(`\\b${user.replace(/\W/g, "\\$&")}'s\\b`, "i"), "their");
    before.text = andThen(before.text, rest);
    before.importance = Math.max(before.importance, f.importance);
    ctx.facts.splice(k, 1);
  }
}

/** Whether a fact's first word is a name: written with a capital inside the turn's sentences, too. */
const properFirst = (fact: string, text: string) => {
  const w = fact.split(" ")[0].replace(/\W+$/, "");
  return /^[A-Z]{2,}/.test(w) || new RegExp(`[^.!?]\\s${w.replace(/\W/g, "")}\\b`).test(text);
};

/** chat shorthand, in the words a memory (and a search for it) would use */
const SHORTHAND: Record<string, string> = {
  biz: "business", pic: "picture", pics: "pictures", mtg: "meeting", fam: "family", bday: "birthday", convo: "conversation",
  convos: "conversations", vid: "video", vids: "videos", vacay: "vacation", edu: "education", "&": "and",
};
const SHORTHAND_WORD = new RegExp(`(?<![\\w'])(${Object.keys(SHORTHAND).join("|")})(?![\\w'])`, "gi");
const spelledOut = (text: string) => text.replace(SHORTHAND_WORD, (w) => SHORTHAND[w.toLowerCase()] ?? w);

/** the character's chat shorthand, for reading its questions: "whats ur fav game?" is "what's your fav game?" */
const ASKED_SHORT: Record<string, string> = { u: "you", ur: "your", fav: "favorite", fave: "favorite", whats: "what's", wat: "what", wats: "what's", hbu: "how about you", wbu: "what about you" };
const ASKED_SHORT_WORD = new RegExp(`(?<![\\w'])(${Object.keys(ASKED_SHORT).join("|")})(?![\\w'])`, "gi");
const askedOut = (text: string) => text.replace(ASKED_SHORT_WORD, (w) => ASKED_SHORT[w.toLowerCase()] ?? w).replace(HAVE_A_FAVORITE, "$1What's your ");
/** "Do you have a favorite weapon?", "Got a favorite song?", "Any favorite books?": what the user's favorite is, asked */
const HAVE_A_FAVORITE = /(^|[.!?]\s+|\b(?:so|and|oh|hey),?\s+)(?:do you have an?|have you got an?|got an?|any)\s+(?=favou?rite\s+[a-z]+(?:\s+[a-z]+)?\s*\?)/gi;

/** "Name's Kira.", "The name is Kira": how players give their name, said as "My name is Kira." */
const NAME_GIVEN = /(^|[.!?]\s+)(?:[Tt]he\s+)?[Nn]ame(?:'s|’s|\s+is)\s+(?=\p{Lu})/gu;
/**
 * "I have a dog, her name is Bella." → "… a dog named Bella"; "My brother plays too, his name is Sam." →
 * "My brother Sam plays too"; "I adopted a kitten last week. His name is Pip." → "… a kitten named Pip last week"
 */
// ("…a rescue greyhound! His name's Biscuit.")
const THING_NAMED = /\b(a|an|my)\s+((?:[\w-]+\s+)?[\w-]+)[,.;!]?\s+(?:and\s+)?(?:[Hh]is|[Hh]er|[Ii]ts|[Tt]heir)\s+name(?:\s+is|'s|’s)\s+(\p{L}[\w'-]*)/gu;
const KIN_NAMED = new RegExp(`\\b([Mm]y|an?)\\s+(${[...FAMILY, ...PETS].join("|")})\\b([^.!?]*?)[,.;!]?\\s*(?:and\\s+)?(?:[Hh]is|[Hh]er|[Ii]ts|[Tt]heir)\\s+name(?:\\s+is|'s|’s)\\s+(\\p{L}[\\w'-]*)`, "gu");
/** "My name isn't Kira, it's Kiri": the name it is */
const NAME_CORRECTED = /\b([Mm])y\s+name(?:'s|’s|\s+is)(?:\s+not|n't|n’t)\s+\p{Lu}[\w'-]*,?\s+(?:it's|it’s|it\s+is|its)\s+(?=\p{Lu})/gu;
/** "I'm Sam, a ranger from the north" → "I'm Sam. I'm a ranger from the north": who the user is, said beside their name */
const NAME_AND_WHAT = /(^|[.!?]\s+|\b(?:[Hh]i|[Hh]ey|[Hh]ello)[,!]?\s+)(I'?m|I am|[Mm]y name is) (\p{Lu}[\p{L}'-]+), (an? )(?=\p{Ll})/gu;
const namesInline = (text: string) => text.replace(NAME_GIVEN, "$1My name is ").replace(NAME_CORRECTED, "$1y name is ")
  .replace(NAME_AND_WHAT, (_, lead: string, said: string, name: string, a: string) => `${lead}${said} ${name}. I'm ${a}`)
  // (the user's own family or pet is for KIN_NAMED: "my sister Ana")
  .replace(THING_NAMED, (all, det, what, name) => (aName(name) && !/\s(and|or|but)$/i.test(what) && !(det === "my" && KIN.has(what.split(" ").pop()!.toLowerCase())) ? `${det} ${what} named ${capitalize(name)}` : all))
  .replace(KIN_NAMED, (all, det, kin, rest, name) => (aName(name) ? `${det} ${kin} ${/^my$/i.test(det) ? "" : "named "}${capitalize(name)}${rest}` : all));
const KIN = new Set([...FAMILY, ...PETS]);
/** a name given after "her name is": capitalised, or written lowercase and a name or no word compromise knows ("ana", "mochi"; not "nice") */
const aName = (w: string) => /^\p{Lu}/u.test(w) || /Name$/.test(model.one.lexicon[w] ?? "Name") && !/^(the|a|an|so|too|very|really|just|also|not)$/.test(w);

/** the character's yes-or-no question about the user, at the end of its turn: "Have you ever been camping?" */
// (each word once, then a comma or spaces: a pattern that could split a word two ways made this the
// extractor's slowest regex, trying every split at every sentence of a long turn)
const YES_NO = /(?:^|[.!?]\s+)(?:(?:so|and|oh|but|hey),?\s+)?(do|did|have|are|were|can) you (\w[\w'-]*(?:(?:,\s*|\s+)\w[\w'-]*){0,9}(?:,\s*|\s+)?)\?\W*(?:\[[^\]]*\])?\s*$/i;
/** questions that are not about what the user does, has or is: offers, opinions, open-ended ones */
const NOT_OF_THE_USER = /\b(me|my|mine|us|we|our|you|or|think|know|remember|mean|want|wanna|need|mind|feel like|agree|anything|anyone|something|someone|any other|what|how|why|where|when|who|which)\b/i;
/** an answer that says yes, and nothing against it in its first sentence */
const YES = /^\W*(yes|yeah|yep|yup|yea|definitely|of course|sure|absolutely|totally|certainly|indeed)\b(?![^.!?]*\b(not|never|no)\b|[^.!?]*n't\b)/i;

/**
 * The character's yes-or-no question about the user, read once for saidYes, saidNo and yesNoTopic:
 * its verb ("do", "have"…), the words it asks as said ("ever been to Lisbon"), and those words as the
 * user would say them ("been to Lisbon", "my sword"), or "" when the question is not of the user
 * (an offer, an opinion, a question about the character).
 */
interface YesNo { aux: string; asked: string; rest: string }
function yesNoAsked(question: string): YesNo | null {
  const m = YES_NO.exec(question);
  if (!m) return null;
  const rest = m[2].replace(/\byourself\b/gi, "myself").replace(/\byour\b/gi, "my").replace(/\b(ever|any|anymore|anytime|yet|too|as well)\b/gi, " ").replace(/[\s,]+/g, " ").trim();
  return { aux: m[1].toLowerCase(), asked: m[2], rest: NOT_OF_THE_USER.test(rest) ? "" : rest };
}

/**
 * "I do!", "I have, and…", "Yeah, I am.": a yes said with the question's own verb and nothing after it
 * (not "I do love it", "I have to go"). Groups: the verb.
 */
const SHORT_YES = /^\W*(?:(?:yes|yeah|yep|yup|oh|well|sure|haha|of course)\b\W+)*i (do|did|have|am|was|can)(?:\s+(?:too|as well|indeed))?(?:\s*[,.!]+\s*(?:(?:and|but|so)\b\s*)?|\s+(?:and|but|so)\s+|\s*$)/i;
/** the verb a short yes answers each question with: "Are you…?" "I am." */
const SHORT_YES_TO: Record<string, string> = { do: "do", did: "did", have: "have", are: "am", were: "was", can: "can" };
/** An answer without its short yes ("I have, and it's a popular chain." → "It's a popular chain."): the yes says nothing itself. */
const afterShortYes = (answer: string) => capitalize(answer.replace(SHORT_YES, ""));

/**
 * What the user said yes to, as the user would say it: "Have you been camping before?" and "Yeah,
 * plenty of times." → "I have been camping before."; "Did you go to the fair?" → "I went to the fair."
 * Null when the character did not end on a yes-or-no question about the user, or the answer is no.
 */
function saidYes(q: YesNo | null, answer: string): string | null {
  const short = SHORT_YES.exec(answer);
  if (!q?.rest || !(YES.test(answer) || (short && SHORT_YES_TO[q.aux] === short[1].toLowerCase()))) return null;
  const { aux, rest } = q;
  if (aux === "did") {
    const [verb, ...after] = rest.split(" ");
    const past = transform.verb.conjugate(verb.toLowerCase(), model)?.PastTense;
    return past ? `I ${[past, ...after].join(" ")}.` : null;
  }
  return `I ${{ do: "", have: "have ", are: "am ", were: "was ", can: "can " }[aux] ?? ""}${rest}.`.replace(/\s+/g, " ");
}

/**
 * What a yes-or-no question asks about, when it names it: "Do you like jazz?" → "jazz", "Have you
 * ever read Dune?" → "Dune", "Have you been to Lisbon?" → "Lisbon". Null for anything vaguer ("a dog",
 * "it", "your sword") or longer than four words.
 */
function yesNoTopic(q: YesNo | null): string | null {
  if (!q) return null;
  const words = q.asked.replace(/\b(ever|yet|still|already|too|really|before|lately|recently|much|often|anymore|at all)\b/gi, " ").replace(/[\s,]+/g, " ").trim().split(" ");
  let k = 1;
  if (/^(to|into|in|on|at|of|with|about)$/i.test(words[k] ?? "")) k++;
  const topic = words.slice(k);
  if (!topic.length || topic.length > 4 || topic.some((w) => /^(you|your|yours|my|me|it|its|them|that|this|these|those|us|our|we|a|an|any|some|one|or)$/i.test(w))) return null;
  return topic.join(" ");
}

/** "Born in Manila", "Raised by my grandma", "Born and raised in Ohio": "I was" left out */
const BORN_LEAD = /(^|[.!?]\s+)((?:born|raised|born and raised)\s+(?:in|on|by|near|outside)\b)/gi;
/** a reply that is only what the user is, to "Are you…?": "Engaged actually!", "Single, sadly." (and what follows it) */
const STATE_ANSWER = /^\W*(?:(?:oh|well|um|nope|no|yeah|yes|yep|haha|lol)\W+)*(engaged|married|divorced|single|widowed|separated|retired|unemployed|pregnant|vegan|vegetarian|sober)\b[\s,]*(?:(?:actually|now|sadly|currently|lol|haha|yet|too|though)\b\s*)?(?:[.!]+\s*|$)/i;
/** a place said with what it is: "Small town in Vermont, near Burlington", "a farm outside Dublin" */
const PLACE_DESCRIBED = /^\W*(?:(?:oh|well|um|hmm)\W+)*((?:(?:a|an|the)\s+)?(?:[a-z][a-z-]*\s+){0,2}?(?:town|city|village|suburb|farm|island|place)\s+(?:in|outside(?: of)?|near|on|of)\s+\p{Lu}[\p{L}'-]*(?:(?:,\s*|\s+)(?:(?:near|outside|in)\s+)?\p{Lu}[\p{L}'-]*)*)\s*(?:[.!]+\s*|$)/u;
/** "Where do you live?" "Small town in Vermont. …" → "I live in a small town in Vermont. …"; or null */
function placeDescribed(question: string, answer: string): string | null {
  const from = WHERE_FROM.test(question);
  const m = from || WHERE_LIVE.test(question) ? PLACE_DESCRIBED.exec(lowerFirst(answer)) : null;
  if (!m) return null;
  const place = /^(a|an|the)\s/i.test(m[1]) ? lowerFirst(m[1]) : `a ${lowerFirst(m[1])}`;
  return `${from ? "I'm from" : "I live in"} ${place}. ${answer.slice(m[0].length)}`.trim();
}
/** A word after a name that says the name does something: a verb, or one like it ("is", "just", "passed", "loves"). */
const doesSomething = (w: string) => {
  const word = w.toLowerCase(), tag = (x: string) => (model.one.lexicon[x] as string | undefined) ?? "";
  return /^(is|was|has|had|got|gets|just|can|can't|will|won't|did|didn't|does|doesn't|and|never|always|still|finally|really|died|loves)$/.test(word) ||
    /ed$/.test(word) || /Verb|Tense|Infinitive|Copula|Modal|Auxiliary/.test(tag(word)) || (/s$/.test(word) && /Verb|Infinitive/.test(tag(word.slice(0, -1))));
};
/** "We have three kids now", "We've got two dogs": the household's kids and pets are the user's */
const WE_HAVE_KIN = /(^|[.!?]\s+|,\s*)we(?:'ve got|’ve got| have got| have|'ve|’ve)\s+(?=(?:a|an|one|two|three|four|five|six|seven|\d+)\s+(?:[a-z]+\s+)?(?:kids?|children|child|sons?|daughters?|boys?|girls?|twins|dogs?|cats?|pets?|puppies|puppy|kittens?)\b)/gi;
/** "Always been fascinated by magic", "Never wanted kids": "I've" left out */
const ALWAYS_LEAD = /(^|[.!?]\s+)((?:always|never)\s+(?:been|wanted|loved|liked|hated|dreamed|dreamt|enjoyed)\b)/gi;
/** "Nope, only child." to "Any siblings?" */
const ONLY_CHILD = /^\W*(?:(?:nope|no|nah|oh|well|haha)\W+)*(?:i'?m\s+|i am\s+)?(?:an?\s+)?only child\b\W*/i;
/** a reply that is only how much or how often: "A little.", "A lot!", "Fluently.", "All the time!" (and what follows it) */
const HOW_MUCH = /^\W*(?:(?:oh|well|um|hmm|haha|yeah|yes)\W+)*(a little bit|a little|a bit|a lot|quite a bit|fluently|pretty well|very well|quite well|all the time|every day|every weekend|every week|daily|weekly|sometimes|often|occasionally|regularly|rarely)\s*(?:[.!]+\s*|$)/i;
/** a short no: "No.", "Nope, never!", "Definitely not lol" */
const NO = /^\W*(?:(?:oh|haha|lol|hmm|well)\W+)*(?:no|nope|nah|not really|definitely not|not at all|never|no way)\b(?:[\s,]+(?:never|not really|not at all|sadly|unfortunately|lol|haha)\b)*\s*[.!]*\s*/i;
/**
 * What the user said no to, as the user would say it: "Have you been to Japan?" "No, never." → "I
 * have not been to Japan."; "Are you a morning person?" "Definitely not" → "I am not a morning
 * person." Null unless the answer starts with a no that is its whole sentence ("No, I hate it" is
 * read as said), to a question saidYes would read.
 */
function saidNo(q: YesNo | null, answer: string): string | null {
  const no = NO.exec(answer);
  if (!q?.rest || !no || (answer.slice(no[0].length).trim() && !/[.!]\s*$/.test(no[0]))) return null;
  return `I ${{ do: "don't", did: "didn't", have: "haven't", are: "am not", were: "wasn't", can: "can't" }[q.aux] ?? "don't"} ${q.rest}.`;
}

/** "Kids?", "Any pets?", "Got any siblings?": the short way of asking whether the user has some */
const ANY_OF_KIN = /(?:^|[.!?]\s+)(?:(?:so|and|oh|hey),?\s+)?(?:(?:got\s+)?any\s+)?(kids|children|pets|siblings|brothers|sisters|dogs|cats)\s*\?\s*$/i;
/**
 * "Do you have any pets?" "Yeah, two cats, Miso and Tofu.": an answer that names what the user has,
 * said whole ("I have two cats, Miso and Tofu."), instead of a yes ("I have pets.") and a fragment with
 * no verb. Not a moment or a thought the user has ("Got a minute?" "Sure, a few.").
 */
function hasWhat(question: string, answer: string): string | null {
  const kin = ANY_OF_KIN.exec(question);
  if (kin) question = `Do you have any ${kin[1].toLowerCase()}?`;
  if (!YES_NO.test(question) || !/\b(?:do you have|have you got)\b/i.test(question)) return null;
  // "Do you have any crazy stories?" "Oh, I have a few.": a few crazy stories
  const any = /\b(?:do you have|have you got) any ([a-z][a-z\s-]{0,30}?)\s*\?\W*$/i.exec(question);
  const few = /^\W*(?:(?:oh|yeah|yes|yep|well|sure|haha|ha)\b\W+)*i (?:have|do have|'ve got|have got|got) (a few|a couple|some|several|plenty|lots|two|three|four|five)\s*[.!]+\s*/i.exec(answer);
  if (any && few && /s$/.test(any[1]) && !/\b(you|your|it|them|that|this|minutes|seconds|moments|questions|ideas|plans)\b/i.test(any[1])) {
    return `I have ${few[1].toLowerCase()} ${any[1].toLowerCase()}. ${answer.slice(few[0].length)}`.trim();
  }
  // ("Yep, twins!": twins)
  const m = /^\W*(?:(?:yes|yeah|yep|yup|yea|sure|i do)\b[\s,!.]*)?((?:a|an|one|two|three|four|five|six|seven|a few|a couple(?: of)?|several|\d+)\s[^.!?]+|twins|triplets)(.*)$/i.exec(answer);
  if (!m || /\b(minutes?|seconds?|moments?|sec|clue|idea|question|lot)\b/i.test(m[1])) return null;
  return `I have ${lowerFirst(m[1])}${m[2] || "."}`;
}

/** a turn's first sentence, when it is short, and what follows it */
const FIRST_AND_REST = /^\s*([^.!?]{1,40}?)\s*[.!?]+\s+(?=\S)([\s\S]+)$/;
/** a first part before a comma, and a statement of the user's after it: "Paladin for sure, I love tanking." */
const BARE_THEN_I = /^\s*([^.!?,]{1,40}?)\s*,\s+(?=(?:i|i'm|i've|im|my)\b)([\s\S]+)$/i;
/** words before a bare answer that say nothing: "Oh, Sam.", "Definitely pizza!" */
const ANSWER_LEAD = /^(?:(?:oh|well|um|hmm|haha|hi|hey|hello|yeah|yes|sure|definitely|probably|easily|honestly)\b\W*)*/i;
/** words that make a first sentence more than a bare answer */
const NOT_BARE = /\b(i|i'm|im|my|me|you|your|it|it's|is|are|am|was|were|that|this|not|no|nope|idk|dunno|depends|same|none|nothing|everything|anything)\b/i;
const PROPER_WORDS = /^\p{Lu}[\p{L}'-]+(?:,?\s+\p{Lu}[\p{L}'-]+){0,3}$/u;
/**
 * A bare answer in the first sentence of a longer turn, said whole, and the rest of the turn: "What's
 * your name?" "Sam. I'm a blacksmith." → "My name is Sam. I'm a blacksmith."; also "How old are
 * you?" "34. …", "Where are you from?" "Portland! …", "What's your favorite food?" "Pizza! …"; and a job
 * named, alone or first ("What do you do for a living?" "Nurse." → "I'm a nurse."). Null for any other
 * one-sentence answer (read as an answer), or a first sentence that is more than a bare answer.
 */
function firstAnswered(question: string, text: string): string | null {
  // (a job named alone answers too: "What do you do for a living?" "Nurse.")
  const job = JOB_ASKED.test(question);
  // ("Paladin for sure, I love tanking.": before a comma that a statement of the user's follows, too)
  const m = FIRST_AND_REST.exec(text) ?? BARE_THEN_I.exec(text) ?? (job ? [text, text.replace(/[.!?\s]+$/, ""), ""] : null);
  if (!m) return null;
  const bare = m[1].replace(ANSWER_LEAD, "").replace(/,?\s+(?:for sure|hands down|of course|no contest|no question|by far)$/i, "").trim(), rest = m[2];
  if (!bare || NOT_BARE.test(bare) || bare.split(/\s+/).length > 4) return null;
  let said: string | null = null;
  if (job) {
    const what = bare.toLowerCase().replace(/\s+(?:lol|haha|lmao)$/, "");
    if (!NON_ANSWERS.has(what) && !TALK.test(what) && !LAUGHS.test(what)) {
      said = /^(a|an|the)\s/.test(what) || /^\w+ed$/.test(what) ? `I'm ${what}.` : `I'm ${article(what)} ${what}.`;
    }
  } else if (NAME_ASKED_OF_USER.test(question)) {
    if (/^\p{Lu}[\p{L}'-]+(?:\s+\p{Lu}[\p{L}'-]+)?$/u.test(bare) && !NOT_NAMES.test(bare.split(/\s+/)[0])) said = `My name is ${bare}.`;
  } else if (AGE_ASKED.test(question)) {
    const age = /^(\d{1,3})(?:\s*(?:years old|yrs old|yrs|y\/o))?$/i.exec(bare);
    if (age) said = `I am ${age[1]} years old.`;
  } else if (WHERE_FROM.test(question) || WHERE_LIVE.test(question)) {
    const place = bare.replace(/^(?:originally\s+)?(?:from|in)\s+/i, "");
    if (PROPER_WORDS.test(place)) said = WHERE_FROM.test(question) ? `I'm from ${place}.` : `I live in ${place}.`;
  } else {
    const thing = favoriteAsked(question);
    // (a thing named, not "Hard to say": no verb; its capital is the sentence's unless it is a name)
    const terms = thing ? ((nlp(bare).json() as { terms: CompromiseTerm[] }[])[0]?.terms ?? []) : [];
    const named = terms.length > 0 && !terms.some((t) => t.tags.includes("Verb") && !t.tags.includes("Gerund"));
    const value = terms[0]?.tags.includes("ProperNoun") ? bare : bare.charAt(0).toLowerCase() + bare.slice(1);
    if (thing && named && !NON_ANSWERS.has(value.toLowerCase())) said = `My favorite ${thing} is ${value}.`;
  }
  return said && `${said} ${rest}`.trim();
}
/** "What do you do for a living?", "What's your job?", "What kind of work do you do?" */
const JOB_ASKED = /\bwhat do you do(?:\s+for\s+(?:a\s+living|work|money))?\s*\?|\bwhat(?:'s|\s+is)\s+your\s+(?:job|occupation|profession|line of work)\b|\bwhat\s+(?:kind\s+of\s+)?work\s+do\s+you\s+do\b/i;

/** "What's his name?", "What was her name?": the character asks the name of someone the user spoke of */
const NAME_ASKED = /\bwhat(?:'s|\s+is|\s+was)\s+(?:his|her|their|its)\s+name\s*\?\W*$/i;
/** the user's family or pet in a turn ("my older brother", "my cat"): the last one named */
const KIN_SAID = new RegExp(`\\bmy\\s+(?:[a-z-]+\\s+)?(${[...FAMILY, ...PETS].join("|")})\\b`, "gi");
/** a reply that is a name ("Tomas.", "Oh, it's Mira!", "His name's Bo"), and what follows it */
const NAME_LEAD = /^\W*(?:(?:oh|well|so|it's|its|it is|his name's|her name's|his name is|her name is|that's|that would be)\W+)*/i;
const NAME_REPLY = /^(\p{Lu}[\p{Ll}'-]+)\s*(?:[.!]+\s*|$)/u;
const NOT_NAMES = /^(yes|yeah|yep|yup|no|nope|sure|why|oh|well|haha|thanks|idk|dunno|not|it|that|he|she|they|his|her|what|who|never|nothing|hmm|um)$/i;
/** "His name was Buddy", "Her name's Mira": the name of one said before, at a sentence's start */
const HIS_NAME = /(^|[.!?]\s+)(?:[Hh]is|[Hh]er)\s+name(\s+is|\s+was|'s|’s)\s+(\p{Lu}[\p{L}'-]+)/u;
/** "What's his name?" after "My brother joined the mercenaries", answered "Tomas.": "My brother is named Tomas." and what follows; or null. */
function nameGiven(question: string, before: string, answer: string): string | null {
  // ("My dog passed away." "I'm so sorry." "Thank you. His name was Buddy.": the name of the one the user spoke of)
  const theirs = !NAME_ASKED.test(question) && !KIN_SAID.test(answer) ? HIS_NAME.exec(answer) : null;
  KIN_SAID.lastIndex = 0;
  const spokenOf = theirs ? [...before.matchAll(KIN_SAID)].pop() : undefined;
  if (theirs && spokenOf) {
    return answer.replace(HIS_NAME, (_, lead: string, verb: string, name: string) => `${lead}My ${spokenOf[1].toLowerCase()} ${/was/i.test(verb) ? "was" : "is"} named ${name}`);
  }
  const kin = NAME_ASKED.test(question) ? [...before.matchAll(KIN_SAID)].pop() : undefined;
  const reply = answer.replace(NAME_LEAD, ""), m = kin && NAME_REPLY.exec(reply);
  if (!kin || !m || NOT_NAMES.test(m[1])) return null;
  return `My ${kin[1].toLowerCase()} is named ${m[1]}. ${reply.slice(m[0].length)}`.trim();
}

/** Words that say nothing alone: "Jordan is too.", "Jordan does so.", "Jordan has a few." are no facts. */
const EMPTY_WORDS = new Set(("is am are was were be been being has have had does do did too so also really very just still even not the a an and or but to of it that this there then now much more most quite pretty as well " +
  "few couple some several plenty lots one two three").split(" "));
const hollow = (text: string, who: string) => !(text.replace(who, "").toLowerCase().match(/[a-z0-9']+/g) ?? []).some((w) => !EMPTY_WORDS.has(w));

/** "We could go to the zoo", "We should hang out sometime": a suggestion to the character, not a fact */
const SUGGESTION = /^(?:the user|\S+) and others (?:could|should|might|may)\b/i;

const speaksAsUser = (text: string) => FIRST_PERSON.test(text) || US.test(text) || SECOND_PERSON.test(text) || PLACEHOLDER.test(text);

/**
 * A fact as it may be kept: whole, or, when only a clause after a comma still speaks as the user or
 * to the character ("Jordan rode in the harvest parade and it was loud, made Jordan see how much the
 * town did for us"), what comes before that comma, if it says something of the user alone. Otherwise null.
 */
function salvaged(f: Fact, user: string): Fact | null {
  if (!speaksAsUser(f.text)) return f;
  const at = Math.min(...[FIRST_PERSON, US, SECOND_PERSON].map((re) => f.text.search(re)).filter((k) => k >= 0));
  const cut = f.text.lastIndexOf(", ", at);
  // a date said after the cut would be lost with it: not salvaged
  if (cut < 0 || /\d{4}/.test(f.text.slice(cut))) return null;
  const text = `${f.text.slice(0, cut)}.`;
  return text.startsWith(`${user} `) && text.split(" ").length >= 7 && !speaksAsUser(text) ? { ...f, text } : null;
}

/** verbs an -ing word follows as what is done: "start running", "keep trying" (not "rock climbing") */
const TAKES_ING = new Set(["start", "stop", "keep", "try", "quit", "begin", "miss", "avoid", "finish", "practice", "consider", "mind", "continue", "recommend", "remember", ...PREF_VERBS]);

/** Whether a text goes on past one sentence. */
const severalSentences = (text: string) => /[.!?;]\s+\S/.test(text);

/** A text's sentences, by compromise's sentence splitter (a single sentence as it is). */
function sentencesIn(text: string): string[] {
  return severalSentences(text) ? splitSentences(text, world).map((x: string) => x.trim()) : [text];
}

/** "you", "your"… said as "they", "their"…: the character in advice or a question, anyone in a belief */
const youAsThey = (text: string) => text.replace(/\byourselves\b|\byourself\b/gi, "themselves").replace(/\byours\b/gi, "theirs")
  .replace(/\byour\b/gi, "their").replace(/\byou\b/gi, "they");
/** "we", "our"… of people at large: "they", "their"… */
const weAsThey = (text: string) => text.replace(/\bwe're\b/gi, "they're").replace(/\bwe\b/gi, "they").replace(/\bour\b/gi, "their")
  .replace(/\bus\b/gi, "them").replace(/\bourselves\b/gi, "themselves");
/** The words of more than three letters, without punctuation, lowercased: what says something. */
const longWords = (words: string[]) => words.map((w) => w.replace(/\W/g, "").toLowerCase()).filter((w) => w.length > 3);

/**
 * What the user advises or recommends the character in a turn's sentences, one fact a sentence:
 * "Jordan advised the character to fix the north gate first.", "Jordan recommended the old lighthouse
 * to the character.". "you" in it is the character ("they", "their"); advice about the user themself
 * ("I", "we") is not taken.
 */
function advice(said: string[], ctx: Ctx): void {
  for (const s of said) {
    const m = ADVICE.exec(s);
    // the advice itself, not the reasons after it: "…a couch that seats four, so that you can lie down if you want"
    const what = (m?.[1] ?? m?.[2] ?? m?.[3] ?? m?.[4])?.split(/,?\s+(?:so that|so|because|if|since)\s+|,\s*(?:and|but)\s+|\s+[-–—]\s+/i)[0];
    if (!what || /\?/.test(s) || /\b(i|i'm|i've|i'll|we|us|our|my|me)\b/i.test(what) || HYPOTHETICAL.test(what)) continue;
    const words = youAsThey(what).split(" ");
    // enough to remember, and not talk: "You should!", "You should try it!", "Make sure to have fun!"
    if (longWords(words).filter((w) => !ADVICE_FILLER.has(w)).length < 2) continue;
    const body = words.slice(0, MAX_WORDS - 6).join(" ").replace(/[,;:\s-]+$/, "").replace(/^Make/, "make");
    add(ctx, { text: sentence(m![3] || m![2] ? `${subject(ctx)} recommended ${body} to the character` : `${subject(ctx)} advised the character to ${body}`), importance: 0.4 });
  }
}

/**
 * The user's thanks, in a turn's sentences, for the character's support, help, encouragement, advice
 * or friendship, one fact a kind: "Jordan is grateful for the character's support." A relationship a
 * character keeps; said again in later turns, merge adds the turns to the same memory.
 */
function gratitude(said: string[], ctx: Ctx): void {
  const kinds = new Set<string>();
  for (const s of said) {
    const m = THANKS_FOR.exec(s);
    if (!m || /\?\W*$/.test(s) || !THANKING.test(s.replace(THANKS_FOR, " "))) continue;
    const thing = (m[1] ?? "support").toLowerCase();
    kinds.add(/^(backing|faith in me|belief in me)$/.test(thing) ? "support" : thing === "assistance" ? "help" : thing);
  }
  for (const k of kinds) add(ctx, { text: sentence(`${subject(ctx)} is grateful for the character's ${k}`), importance: 0.3 });
}

/**
 * What the user holds important, said of everyone, in a turn's sentences: "It's important to help
 * family in hard times." → "Jordan believes it is important to help family in hard times." ("we" and
 * "you" there are people at large: "they"; a part about the user themself is left out.)
 */
function belief(said: string[], ctx: Ctx): void {
  for (const s of said) {
    const m = IMPORTANT.exec(s);
    const what = m?.[2].split(/,?\s+(?:so that|because|since)\s+|,\s*(?:and|but)\s+|\s+[-–—]\s+|,\s*(?:even|especially)\b/i)[0];
    if (!what || /\?/.test(s) || /\b(i|i'm|i've|i'll|my|me)\b/i.test(what) || HYPOTHETICAL.test(what)) continue;
    const everyone = youAsThey(weAsThey(what)).split(" ");
    if (longWords(everyone).length < 2) continue;
    add(ctx, { text: sentence(`${subject(ctx)} believes it is ${m![1].toLowerCase()} ${everyone.slice(0, MAX_WORDS - 6).join(" ")}`), importance: 0.4 });
  }
}

/**
 * What the character asks the user's liking or kind of: "What do you like about being a plumber?",
 * "What's your favorite thing about skateboarding?", "What part of the city do you like to explore?"
 * → "being a plumber", "skateboarding", "the city" ("your job" as "my job"); or what it just said it
 * likes, at the end of its turn ("I love pasta." → "pasta"; not "to swim"), which "it" or "them" in the
 * user's answer stands for too ("I like it with pesto."). Null for anything else.
 */
const TOPIC_ASKED = [
  /\bwhat\s+(?:do|did)\s+you\s+(?:like|love|enjoy|miss)\s+(?:the\s+)?(?:most\s+|best\s+)?about\s+([^?.!,]+?)\s*\?/i,
  /\b(?:what\s+(?:do|did)\s+you\s+think|how\s+(?:do|did)\s+you\s+feel)\s+(?:of|about)\s+([^?.!,]+?)\s*(?:so far\s*)?\?/i,
  /\bwhat(?:'s|\s+is|\s+was)\s+(?:your\s+)?(?:favou?rite|best)\s+(?:thing|part)\s+about\s+([^?.!,]+?)\s*\?/i,
  /\bwhat\s+(?:part|parts|kind|kinds|type|types|sort|sorts)\s+of\s+([^?.!,]+?)\s+(?:do|did|would)\s+you\b[^?.!]*\?/i,
  /(?:^|[.!?,]\s+|\b(?:and|but)\s+)I\s+(?:really\s+|also\s+|just\s+|absolutely\s+)?(?:love|like|enjoy|adore)\s+(?:a\s+good\s+)?((?!(?:to|a|an|the|so|too|very|much|doing|being|going|your)\b)[a-z]+(?:\s+[a-z]+){0,2}?)\s*(?:too|as well)?\s*[.!]*\s*$/i,
];
function topicAsked(said: string): string | null {
  for (const re of TOPIC_ASKED) {
    const m = re.exec(said);
    if (!m) continue;
    const words = m[1].trim().split(/\s+/);
    if (words.length > 5 || words.some((w) => /^(you|it|that|this|them|those|these|me|my|mine|our|him|her)$/i.test(w) || !/^[\p{L}'-]+$/u.test(w))) return null;
    return words.map((w) => (/^your$/i.test(w) ? "my" : w)).join(" ");
  }
  return null;
}

/** "What class do you play?", "What kind of music do you listen to at work?": what, the verb, and the rest */
const WHAT_DO_YOU = /(?:^|[.!?]\s+)(?:(?:so|and|oh|but|hey),?\s+)?what\s+(?:(?:kind|kinds|type|types|sort|sorts)\s+of\s+)?([a-z]+(?:\s+[a-z]+)?)\s+do\s+you\s+(?:usually\s+|normally\s+|mostly\s+)?(play|like|love|enjoy|prefer|listen to|read|watch|drive|cook|collect|study|use|main|eat|drink|speak|ride)\b([^?.!]*)\?\s*$/i;
/** "What kind of music are you into?": what the user likes, asked another way */
const WHAT_ARE_YOU_INTO = /(?:^|[.!?]\s+)(?:(?:so|and|oh|but|hey),?\s+)?what\s+(?:(?:kind|kinds|type|types|sort|sorts)\s+of\s+)?([a-z]+(?:\s+[a-z]+)?)\s+are\s+you\s+(?:really\s+|mostly\s+)?into\s*\?\s*$/i;
/** "Do you play other games?", "Do you listen to any podcasts?": a yes or no asked, which a reply may answer by naming them */
const DO_YOU_ANY = /(?:^|[.!?]\s+)(?:(?:so|and|oh|but|hey),?\s+)?do\s+you\s+(?:usually\s+|ever\s+|still\s+|also\s+)?(play|like|love|enjoy|listen to|read|watch|cook|collect|speak|ride|follow|eat|drink|use)\s+(?:any\s+|other\s+|many\s+|much\s+)?([a-z]+(?:\s+[a-z]+)?)\s*\?\s*$/i;
/** words of a reply to a yes-or-no question that say how often or how sure, not what: "Sometimes.", "Definitely!" */
const NOT_NAMED = /^(?:sometimes|occasionally|rarely|seldom|never|hardly|barely|often|usually|always|definitely|absolutely|totally|certainly|maybe|probably|kinda|sorta|lol|haha|obviously|course|nah|yep|yup|ya|yea|ok|okay|daily|weekly|too|also|well|really|only|just)$/i;
/** the character asking what the user does for fun */
const FOR_FUN = /(?:^|[.!?]\s+)(?:(?:so|and|oh|but|hey),?\s+)?(?:any hobbies|what are your hobbies|what do you do for fun|what do you like to do(?: for fun| in your free time)?)\s*\?\s*$/i;
/** a short answer: a thing named, maybe with how often ("Usually a druid.", "RPGs, mostly.") */
// ("Mostly indie rock, some jazz.": a few things, a comma between)
const SHORT_ANSWER = /^\W*(?:(usually|mostly|mainly|normally|often|always)\s+)?([\p{L}\p{N}'&-]+(?:,?\s+[\p{L}\p{N}'&-]+){0,5}?)(?:,?\s+(usually|mostly|mainly|normally))?\s*[.!]*\s*$/iu;
/** words that make a reply more than a thing named */
const NOT_A_THING = /^(?:i|i'm|my|me|it|it's|that|this|those|these|they|you|we|not|no|nope|nothing|everything|anything|depends|idk|dunno|yes|yeah|sure|hmm|none|same|whatever|lots|many|all)$/i;
/**
 * A thing named in answer to "What X do you play/like/read…?", said whole: "What class do you play?"
 * "Usually a druid." → "I usually play a druid."; null for any other question or a longer reply.
 */
function whatAnswered(question: string, answer: string): string | null {
  // ("Any hobbies?", "What do you do for fun?" "Mostly hiking." → "I mostly enjoy hiking.")
  // ("Bouldering, and I paint on Sundays.": the thing named, then a statement of its own)
  // ("Mostly solo. My friends play Fortnite.": the thing named in a first sentence, then the rest as said)
  const then = /^([^,.!?]+?),?\s+(?:and|plus)\s+(I\b.*)$/i.exec(answer) ?? FIRST_AND_REST.exec(answer);
  // ("What music are you into?" "Metal, mostly." → "I mostly like metal."; "Do you play other games?"
  // "Mostly Dark Souls." → "I mostly play Dark Souls.": a yes or no asked, answered by naming them)
  const any = DO_YOU_ANY.exec(question);
  const q = WHAT_DO_YOU.exec(question) ?? (WHAT_ARE_YOU_INTO.test(question) || FOR_FUN.test(question) ? [question, "", WHAT_ARE_YOU_INTO.test(question) ? "like" : "enjoy", ""] : null) ??
    (any ? [question, any[2], any[1], ""] : null);
  const a = SHORT_ANSWER.exec(then ? then[1] : answer);
  if (!q || !a || a[2].split(/\s+/).some((w) => NOT_A_THING.test(w) || (any && NOT_NAMED.test(w))) || /\b(is|are|was|were|do|does|did|have|has)\b/i.test(a[2])) return null;
  const often = a[1] ?? a[3];
  const rest = q[3].replace(/\byour\b/gi, "my").replace(/\byou\b/gi, "me").trimEnd();
  // (the reply's capital is the sentence's, unless the word is a name: "A red Volvo" → "a red Volvo")
  // (but not a name of two capitalised words: "Dark Souls")
  const thing = /^\p{Lu}\p{Ll}*\s+\p{Lu}/u.test(a[2]) ? a[2]
    : a[2].replace(/^\p{Lu}\p{Ll}*\b/u, (w) => (/^(a|an|the|some|my)$/i.test(w) || /ing$/.test(w) || model.one.lexicon[w.toLowerCase()] ? w.toLowerCase() : w));
  return `I ${often ? `${often.toLowerCase()} ` : ""}${q[2].toLowerCase()} ${thing}${rest}.${then ? ` ${then[2]}` : ""}`;
}

/** What a favorite is said of after the character asks "What's your favorite X?" or "What kind of X…?": X. */
const KIND_ASKED = /\bwhat(?:'s|\s+is|\s+are|\s+(?:kind|kinds|type|types|sort|sorts)\s+of)\s+(?:(?:your|ur)\s+(?:favou?rite|fave|fav)\s+)?(?:(?:kind|type|sort)\s+of\s+)?([a-z][a-z-]*(?:\s+[a-z][a-z-]*)?)\s*(?:\?|\s+(?:do|did|would|are|have)\s+you\b[^?.!]*\?)/i;
function kindAsked(question: string): string | null {
  const m = KIND_ASKED.exec(question);
  if (!m || !/\b(?:your|ur)\s+(?:favou?rite|fave|fav)\b|\b(?:kind|kinds|type|types|sort|sorts)\s+of\b/i.test(m[0])) return null;
  return m[1].split(/\s+/).some((w) => /^(you|it|that|this|thing|things|one|ones|is|are|my|your)$/i.test(w)) ? null : m[1];
}

/** a plural noun by its ending: "flowers", "kids" (not "grass", "bus", "it's") */
const pluralWord = (w: string) => /[^s'u]s$/.test(w) || /^(people|children|folks)$/i.test(w);

/** "my favorite is roses", "my favorite are roses" with what it is a favorite of: "my favorite flowers are roses". */
function favoriteOf(text: string, kind: string | null): string {
  if (!kind) return text;
  const plural = pluralWord(kind);
  return text.replace(/\bmy (favou?rite|fave|fav) (is|are|was|were)\b/i, (_, _f, verb: string) =>
    `my favorite ${kind} ${/^(was|were)$/i.test(verb) ? (plural ? "were" : "was") : plural ? "are" : "is"}`);
}

/**
 * `text` with "it" (or, for a plural topic, "them") said as `topic` where it is the object in the
 * first sentence that has one: "I love the freedom of it." → "I love the freedom of skateboarding.";
 * "I love learning about them and working with them." → both. Not an "it" that begins a clause
 * ("it's great") or before a word that goes on with it ("make it big"), nor in a sentence that names
 * the topic itself.
 */
function itIs(text: string, topic: string): string {
  const last = topic.split(" ").pop()!.toLowerCase();
  // ("I've read it three times", "I played it in high school": how often, when or where after it; but not "make it to…", "get it done")
  const object = new RegExp(`(?<=\\b(?!(?:is|was|are|were|be|been|if|that|and|but|so|because|when|as|than|since|think|thought|guess|hope|make|made|making|take|took|get|got|getting|keep|kept|let)\\b)[a-z]+\\s+)${pluralWord(last) ? "them" : "it"}\\b(?=\\s*(?:[,.!;]|$|\\s+(?:and|but|so|because|though|too|a lot|anymore|since|every|more|most|as well|in|at|on|for|with|during|after|before|when|while|once|twice|again|\\d+|one|two|three|four|five|several|many|a few|yesterday|today|last|this)\\b))`, "gi");
  const said = sentencesIn(text), one = new RegExp(object.source, "i");
  const at = said.findIndex((x) => one.test(x));
  // ("I like blocks that have letters on them": the sentence names it itself)
  if (at < 0 || new RegExp(`\\b${last}\\b`, "i").test(said[at])) return text;
  return said.map((x, k) => (k === at ? x.replace(object, topic) : x)).join(" ");
}

/** "What's your new comic about?" → "new comic": the user's thing a character's question is about, or null. */
const ASKED_ABOUT = /\b(?:what|what's|whats|which|how|how's|tell me about)\b[^?.!]*?\byour\s+([^?.!]+)\?/i;
/** words that end what "your …" names: "your fan project going", "your script about" */
const ASKED_ENDS = /^(going|doing|coming|is|was|are|were|been|like|about|called|named|so|far|today|lately|now|at|for|with|in|on|to|and|or|the|of|that|this|you|these|days|look|looking|turn|turning|work|working|react|feel|feeling|think|like|love|handle|take|say|says|said|do|did|does|get|got|make|made|enjoy|want|come|came|go|went)$/i;
const NOT_THINGS = new Set(["day", "week", "weekend", "morning", "evening", "night", "time", "life", "thoughts", "opinion", "take", "way", "plan", "plans", "mind", "advice", "secret", "name", "age", "favorite", "favourite", "fave"]);
function askedAbout(text: string): string | null {
  const m = text.match(ASKED_ABOUT);
  if (!m) return null;
  const words: string[] = [];
  for (const w of m[1].split(/\s+/)) {
    if (ASKED_ENDS.test(w) || !/^[\p{L}'-]+$/u.test(w) || words.length === 4) break;
    words.push(w);
  }
  const last = words[words.length - 1]?.toLowerCase();
  return last && !NOT_THINGS.has(last) ? words.join(" ") : null;
}

/** Who "he", "she" or "they" can be for a phrase whose words (lemmas) are `words`: family or friends, a pet, or a thing. */
function kindOf(words: string[]): Thing["kind"] {
  return words.some((w) => FAMILY.has(w) || PEOPLE.has(w)) ? "person" : words.some((w) => PETS.has(w)) ? "pet" : "thing";
}

/** The user's thing (or people, or pet) a character asked about, as "it", "they", "he" or "she" in the answer can stand for. */
function askedThing(about: string, ctx: Ctx): Thing {
  const names = about.split(" "), last = names[names.length - 1].toLowerCase(), one = last.replace(/(?<=[^s])s$/, "");
  const kind = kindOf([one, last]);
  const toks = names.map((w, k) => synthetic(w, "Noun", ...(k === names.length - 1 && one !== last ? ["Plural"] : [])));
  return { toks: [usersOwn(ctx), ...toks], own: true, kind };
}

/**
 * What a place adverb "there" in the user's turn means: the last place named before it, in the
 * user's own words or the character's turn just before ("Have you been to Universal Studios?
 * Planning a trip there next month."). Null when the turn has no "there" or nothing names a place.
 */
function placeBefore(asked: string, text: string): { at: string; name: Tok[] } | null {
  const at = text.search(/\bthere\b(?!'s|\s+(?:is|are|was|were|will|would|has|have|had)\b)/i);
  if (at < 0) return null;
  const found = [...`${asked} ${text.slice(0, at)}`.matchAll(PLACE)].pop();
  return found ? { at: found[1] === "at" ? "at" : "in", name: found[2].split(" ").map((w) => synthetic(w, "ProperNoun", "Place")) } : null;
}

/**
 * Words (as written in the fact) after which "you" is the character something was done to or with: "I bought a map from
 * you" → "… from the character", "I stole your sword" → "… stole the character's sword". A "you"
 * elsewhere ("you know", "you never can tell") leaves the fact second-person, and dropped.
 */
const OBJECT_OF = new Set((
  "from with for against beside behind gave give gives showed show sold sell sent send owe owes met meet helped help helps " +
  "saved save trust trusts visited visit fought beat stole took brought bring found find returned return fixed fix repaired repair"
).split(" "));

// ---- tokens ----

/**
 * The sentences of a user's turn that may state something about the user. Questions,
 * hypotheticals and sentences with no first-person word (nor a leading past-tense verb: "Lost my
 * job…") are left out before the slower tagging.
 */
function statements(text: string, said: string[], answers = false, tails = new Map<number, string[]>()): string[] {
  if (!text || (!answers && !SELF.test(text) && !OF_MINE.test(text) && !IMPLIED_I_ANYWHERE.test(text) && !said.some((s) => ASKS_ADVICE.test(s)))) return [];
  const out: string[] = [];
  let kept = false;
  for (let s of said) {
    // "Any advice on staying motivated?": the user asked for it
    const asks = ASKS_ADVICE.exec(s);
    if (asks && !HYPOTHETICAL.test(asks[2])) s = `I am looking for ${asks[1].toLowerCase()} ${youAsThey(asks[2]).replace(/\bthey stay\b/, "to stay")}.`;
    s = s.replace(QUESTION_TAIL, ".").replace(I_MEAN_TAIL, ".").replace(OF_MINE, "one of my favorites").replace(WONDERING_TAIL, ".").replace(SPEAKING_OF, "").replace(AS_ASKED, "").replace(TELLING, "").replace(CAME_TO_KNOW, "$1").replace(FAVE, "$1favorite").replace(SHOWN, (_, lead, thing, verb, rest) => `${lead}I ${verb} ${thing}${rest}`);
    s = hoped(s);
    s = beside(s);
    const statement = !/\?\W*$/.test(s) && !HYPOTHETICAL.test(s) && !CATCHING_UP.test(s) && !/^\W*hopefully\b/i.test(s);
    // "I went to a harvest fair. It was so much fun.": what "it" says belongs to the statement before
    if (statement && kept && CONTINUES.test(s) && (!SELF.test(s) || (CONTINUES_ON_USER.test(s) && !/\b(we|us|our|ours|ourselves)\b/i.test(s) && /^\W*(i|i'm|i've|we|we're|we've)\b/i.test(out[out.length - 1]))) && !SECOND_PERSON.test(s)) {
      out[out.length - 1] = andThen(out[out.length - 1], lowerFirst(s));
      continue;
    }
    // "We explored the coast. The view was breathtaking.": what the statement before saw, said of it
    if (statement && kept && DESCRIBES.test(s) && !SELF.test(s) && !SECOND_PERSON.test(s) && !TALK.test(s)) {
      tails.set(out.length - 1, [...(tails.get(out.length - 1) ?? []), s]);
      continue;
    }
    // "He's in high school." after "I spend time with my son.": its own statement, once "he" is known
    if (statement && kept && ABOUT_THEM.test(s) && !SELF.test(s) && !SECOND_PERSON.test(s)) {
      out.push(s);
      continue;
    }
    // "Yeah, plenty of times.": a short yes says nothing itself, and what follows goes on from before it
    if (kept && fillerYes(s)) continue;
    // "Oh, I see.", "I know!": taking in what the character said, no statement (nor one to go on from)
    if (ACKNOWLEDGES.test(s)) { kept = false; continue; }
    // the first sentence of an answer about the user's thing: "It's a mix of horror and comedy."
    kept = statement && (SELF.test(s) || IMPLIED_I.test(s) || (answers && !out.length && /^\W*(?:(?:yeah|yes|yep|oh|well|haha|and)\b\W+)*(it|it's|they|they're|he|he's|she|she's)\b/i.test(s) && !SECOND_PERSON.test(s)));
    if (kept) out.push(s);
  }
  return out;
}

/**
 * A wish or a condition on one side of a comma and a statement of the user's on the other: the
 * statement. "Wish I had a vacation lined up, but right now my writing is consuming me." → "Right now
 * my writing is consuming me."; "I'm from Brazil, so sorry if my English is bad." → "I'm from
 * Brazil."; "I love hiking, but only if it's sunny." is left whole (the condition is of the fact).
 */
function beside(s: string): string {
  const but = /^(.*?),\s*but\s+(.+)$/i.exec(s);
  if (but && HYPOTHETICAL.test(but[1]) && !HYPOTHETICAL.test(but[2]) && SELF.test(but[2])) return capitalize(but[2]);
  const first = /^([^,;]+?)[,;]\s+(.+)$/.exec(s);
  // ("…, but only if it's sunny": a condition of the statement itself, which is then no fact; "…, if you ever visit" is not)
  const ofIt = first && /^(?:but\s+)?(?:only\s+)?(?:if|unless|as long as)\s+(?!you\b)/i.test(first[2]);
  if (first && !ofIt && !HYPOTHETICAL.test(first[1]) && HYPOTHETICAL.test(first[2]) && SELF.test(first[1]) && first[1].split(/\s+/).length >= 3) {
    return `${first[1].replace(/[\s.!]+$/, "")}.`;
  }
  return s;
}

/**
 * Tags the sentences of all turns in one pass of compromise (quicker than a pass per turn) and
 * hands them back per turn. Where compromise splits the joined text otherwise, each turn is tagged alone.
 */
function tagged(perTurn: string[][]): Tok[][][] {
  const all = perTurn.flat();
  const doc = (all.length ? nlp(all.join("\n")).json() : []) as { text: string; terms: CompromiseTerm[] }[];
  const aligned = doc.length === all.length && doc.every((s, k) => s.text.trim() === all[k].trim());
  let k = 0;
  return perTurn.map((sentences) =>
    (aligned ? sentences.map(() => tokensOf(doc[k++].terms)) : sentences.flatMap(sentencesOf)).filter((s) => !is(s[0], "QuestionWord")));
}

function sentencesOf(text: string): Tok[][] {
  return (nlp(text).json() as { terms: CompromiseTerm[] }[]).map((s) => tokensOf(s.terms));
}

function tokensOf(terms: CompromiseTerm[]): Tok[] {
  terms = owned(terms).map(initialed);
  return terms.map((_, k) => passive(afterI(terms, k), terms[k + 1], terms[k + 2])).map(pluralAfterPreposition).map(hyphenedAdjective).map(verbAfterBoth).map(heardThing).map(workField).map(commonPlace).map(commonSurname).map((t, k) => ({
    text: t.implicit ?? t.text,
    contracted: t.implicit != null && !t.tags.includes("Value") && !t.tags.includes("Unit"),
    w: (t.implicit ?? t.normal).toLowerCase(),
    tags: new Set(seasonAt(terms, k) ? [...t.tags, "Date"] : t.tags),
    post: t.post,
    first: k === 0,
  })).filter((t) => !LAUGHS.test(t.w));
}

/** "F. Scott Fitzgerald", "Dr. Lee": an initial's or abbreviation's period inside a sentence is part of the word, ending nothing */
const initialed = (t: CompromiseTerm, k: number, terms: CompromiseTerm[]): CompromiseTerm =>
  k < terms.length - 1 && /^\.\s/.test(t.post) && (/^\p{Lu}$/u.test(t.text) || t.tags.includes("Abbreviation")) ? { ...t, text: `${t.text}.`, post: t.post.slice(1) } : t;

/** "last summer", "next spring": a time, which compromise leaves a noun (not "last summer's job", "my summer job") */
function seasonAt(terms: CompromiseTerm[], k: number): boolean {
  const t = terms[k], next = terms[k + 1];
  return SEASONS[(t.normal ?? "").toLowerCase()] !== undefined && /^(last|this|next)$/i.test(terms[k - 1]?.normal ?? "") &&
    !(next?.tags.includes("Noun") && !next.tags.includes("Pronoun") && !t.post.includes(",")) && !/'s$/.test(t.text);
}

/** "I listen to jazz": after "listen to", what compromise took for a verb ("to jazz") is what is listened to */
function heardThing(t: CompromiseTerm, k: number, terms: CompromiseTerm[]): CompromiseTerm {
  return terms[k - 1]?.normal === "to" && /^listen(s|ed|ing)?$/.test(terms[k - 2]?.normal ?? "") && t.tags.includes("Verb") && !t.tags.includes("Gerund")
    ? { ...t, tags: ["Noun", "Singular"] } : t;
}

/** "a dog walker", "the bike baker": a surname compromise reads in a lowercase word after a common noun, which makes a noun with it */
function commonSurname(t: CompromiseTerm, k: number, terms: CompromiseTerm[]): CompromiseTerm {
  const prev = terms[k - 1];
  return t.text === t.text.toLowerCase() && t.tags.includes("LastName") && !t.tags.includes("FirstName") && prev?.tags.includes("Noun") && !prev.tags.includes("ProperNoun") && !prev.tags.includes("Pronoun")
    ? { ...t, tags: ["Noun", "Singular"] } : t;
}

/** "downtown", "overseas": places compromise takes for names, which are none written lowercase */
function commonPlace(t: CompromiseTerm): CompromiseTerm {
  return /^(downtown|uptown|midtown|upstate|downstate|overseas|abroad|inland|offshore|stateside)$/.test(t.text)
    ? { ...t, tags: t.tags.filter((tag) => tag !== "ProperNoun" && tag !== "Place") } : t;
}

/** "I work in IT", "a job in HR": a field of work, which compromise takes for "it" or for hours */
function workField(t: CompromiseTerm, k: number, terms: CompromiseTerm[]): CompromiseTerm {
  return /^(IT|HR|PR|QA)$/.test(t.text) && /^(in|into|at|for|of)$/.test(terms[k - 1]?.normal ?? "") && terms[k - 1].text !== terms[k - 1].text.toUpperCase()
    ? { ...t, normal: `${t.text.toLowerCase().split("").join(".")}.`, tags: ["Noun", "Singular", "Acronym"] } : t;
}

/** "They both live in Chicago": after "they (or we) both" or "all", a word that can be a verb and that compromise took for an adjective is the verb */
function verbAfterBoth(t: CompromiseTerm, k: number, terms: CompromiseTerm[]): CompromiseTerm {
  const [who, both] = [terms[k - 2]?.normal, terms[k - 1]?.normal];
  return /^(they|we)$/.test(who ?? "") && /^(both|all)$/.test(both ?? "") && t.tags.includes("Adjective") && /Present/.test(model.two.switches?.[t.normal] ?? "")
    ? { ...t, tags: ["Verb", "PresentTense"] } : t;
}

/** "left-handed", "short-tempered": the second half of a hyphened word, which compromise may take for a past verb, is an adjective */
function hyphenedAdjective(t: CompromiseTerm, k: number, terms: CompromiseTerm[]): CompromiseTerm {
  const before = terms[k - 1];
  return before?.post === "-" && before.tags.includes("Hyphenated") && t.tags.includes("Hyphenated") && t.tags.includes("PastTense")
    ? { ...t, tags: ["Adjective", "Hyphenated"] } : t;
}

/**
 * "I'm terrible at puzzles", "good with horses": right after a preposition (not "to", nor the "who"
 * compromise may tag as one), a word ending in -s that compromise took for a verb is a plural noun.
 */
const PREPOSITIONS = new Set(["at", "in", "on", "with", "for", "of", "about", "from", "by", "into", "over", "under", "between", "among", "without", "through", "near", "around"]);
function pluralAfterPreposition(t: CompromiseTerm, k: number, terms: CompromiseTerm[]): CompromiseTerm {
  const before = terms[k - 1];
  if (!before?.tags.includes("Preposition") || !PREPOSITIONS.has(before.normal) || !t.tags.includes("PresentTense") || t.tags.includes("Gerund") ||
    !/[^s]s$/.test(t.normal)) return t;
  return { ...t, tags: ["Noun", "Plural"] };
}

/**
 * "…to get the neighborhood's backing": compromise may write the "'s" out as "is"; after a verb or a
 * preposition and "the", before a noun or an -ing word, it is the one whose it is ("The food's
 * amazing" starts a sentence: "is").
 */
function owned(terms: CompromiseTerm[]): CompromiseTerm[] {
  const out: CompromiseTerm[] = [];
  for (let k = 0; k < terms.length; k++) {
    const t = terms[k], is_ = terms[k + 1], next = terms[k + 2], the = terms[k - 1], before = terms[k - 2];
    // (only a "'s" that compromise wrote out as "is" is looked at)
    if (!(t.implicit && /'s$/i.test(t.text) && is_?.implicit === "is" && !is_.text)) { out.push(t); continue; }
    // ("my cousin's wedding in Porto" too, but not "my cousin's getting married")
    const whose = the?.normal === "the" ? next?.tags.includes("Gerund") || next?.tags.includes("Noun")
      : /^(my|your|our|his|her|their)$/.test(the?.normal ?? "") && (next?.tags.includes("Noun") && !next.tags.includes("Gerund") ||
        next?.tags.includes("Gerund") && !terms[k + 3]?.tags.some((tag) => tag === "Verb" || tag === "Adjective"));
    // ("dinner at Mary's", "to St. Mary's": a name's "'s" right after a preposition, names between, is no "is")
    let from = k;
    while (from >= 0 && /^\p{Lu}/u.test(terms[from].text)) from--;
    const place = from < k && !!terms[from]?.tags.includes("Preposition");
    if (place || whose && (before?.tags.includes("Verb") || before?.tags.includes("Preposition"))) {
      out.push({ ...t, implicit: null, normal: t.text.toLowerCase(), post: is_.post, tags: ["Noun", "Possessive"] });
      k++;
    } else out.push(t);
  }
  return out;
}

/**
 * "It's called Dawnbreaker", "It's filled with old maps": compromise writes the "'s" out as "has";
 * before "called" or "named", or a word that says what a thing is made or filled with and a
 * preposition after it, it is "is" ("It's made of oak", not "It's made me proud")
 */
function passive(t: CompromiseTerm, next: CompromiseTerm | undefined, after?: CompromiseTerm): CompromiseTerm {
  if (t.implicit !== "has") return t;
  const word = next?.normal ?? "";
  const state = PASSIVE_STATES.has(word) && !!after?.tags.includes("Preposition");
  // ("it's why I came", "it's what I do": "has" only goes before a past participle, or "got")
  const done = (x: CompromiseTerm | undefined) => !!x?.tags.some((tag) => tag === "Participle" || tag === "PastTense") || /^(been|got|gotten)$/.test(x?.normal ?? "");
  const ofHas = done(next) || (!!next?.tags.includes("Adverb") && done(after));
  return /^(called|named)$/i.test(word) || state || !ofHas ? { ...t, implicit: "is" } : t;
}
const PASSIVE_STATES = new Set(["filled", "made", "covered", "located", "based", "known", "packed", "loaded", "built", "designed", "surrounded", "decorated", "painted", "written", "carved", "stuffed", "lined", "topped", "crafted", "set", "inspired", "dedicated"]);

/** words said between "I" and its verb */
const BETWEEN_I_AND_VERB = new Set(["still", "also", "always", "never", "really", "just", "usually", "often", "sometimes", "even", "truly", "totally", "actually", "definitely"]);
/** words that are verbs after "and" and before "to" + a verb, in the user's sentence */
const AND_VERB_TO = new Set(["hope", "plan", "need", "want", "wish", "aim", "intend", "try", "promise", "decide", "love", "like", "hate"]);
/** "I work night shifts": right after "I", a word compromise took for a common noun is the verb */
function afterI(terms: CompromiseTerm[], k: number): CompromiseTerm {
  const t = terms[k], word = (x: CompromiseTerm | undefined) => (x?.implicit ?? x?.normal)?.toLowerCase();
  // ("I absolutley love…": a misspelt adverb, a word compromise does not know, which it took for the verb)
  const misspelt = (x: CompromiseTerm | undefined) => /^[a-z]{4,}l[e]?y$/.test(word(x) ?? "") && !model.one.lexicon[word(x)!];
  if (word(terms[k - 1]) === "i" && misspelt(t) && terms[k + 1]?.tags.includes("Noun")) return { ...t, tags: ["Adverb"] };
  // ("I love folk music and hope to make it big": after "and", before "to" and a verb, a verb of the user's)
  if (AND_VERB_TO.has(word(t) ?? "") && t.tags.includes("Singular") && word(terms[k - 1]) === "and" && word(terms[k + 1]) === "to" &&
    terms[k + 2]?.tags.includes("Infinitive") && terms.slice(0, k).some((x) => word(x) === "i")) return { ...t, tags: ["Verb", "PresentTense", "Infinitive"] };
  // ("I still love to…", "I also love…": an adverb between, which compromise may have tagged otherwise)
  const prev = BETWEEN_I_AND_VERB.has(word(terms[k - 1]) ?? "") || (misspelt(terms[k - 1]) && word(terms[k - 2]) === "i") ? terms[k - 2] : terms[k - 1];
  if (word(prev) !== "i" || !t.tags.includes("Singular") ||
    t.tags.some((tag) => tag === "Pronoun" || tag === "ProperNoun" || tag === "Verb" || tag === "Adverb")) return t;
  return { ...t, tags: ["Verb", "PresentTense", "Infinitive"] };
}

const synthetic = (text: string, ...tags: string[]): Tok => ({ text, w: text.toLowerCase(), tags: new Set(tags), post: " ", first: false });
const is = (t: Tok | undefined, tag: string) => !!t?.tags.has(tag);
const isVerb = (t: Tok | undefined) => is(t, "Verb") || is(t, "Copula") || is(t, "Auxiliary") || is(t, "Modal");
const isPronoun = (t: Tok | undefined) => is(t, "Pronoun") || t?.w === "i";
const isProper = (t: Tok | undefined) => is(t, "ProperNoun") || is(t, "Person");

/**
 * compromise's lemma of a word, cached: verbs to the infinitive (by the form the word was tagged with:
 * "went" as a past tense is "go"), plural nouns to the singular. compromise's own transforms, not a
 * pass of its whole pipeline over the one word: a fresh worker looks up every new word once.
 */
const lemmas = new Map<string, string>();
const TENSES = ["PastTense", "Participle", "Gerund", "PresentTense"] as const;
function lemma(t: Tok): string {
  if (is(t, "Copula")) return "be";
  const kind = isVerb(t) ? "Verb" : is(t, "Plural") ? "Plural" : "";
  if (!kind) return t.w;
  // a base form ("own", "need", tagged Infinitive or as a present without -s) is its own lemma, unless
  // it is a past compromise tagged otherwise whose infinitive it knows ("drew" → "draw"; not "need" → "nee")
  const base = kind === "Verb" && !is(t, "Gerund") && !is(t, "PastTense") && !is(t, "Participle") &&
    (is(t, "Infinitive") || (is(t, "PresentTense") && !t.w.endsWith("s")));
  const tense = kind === "Verb" && !base ? TENSES.find((x) => is(t, x)) : undefined;
  const key = `${kind}:${t.w}:${base ? "base" : tense ?? ""}`;
  const known = lemmas.get(key);
  if (known !== undefined) return known;
  if (lemmas.size > 20_000) lemmas.clear();
  const past = base ? transform.verb.toInfinitive(t.w, model, "PastTense") : "";
  const out: string = base ? (past !== t.w && model.one.lexicon[past] === "Infinitive" ? past : t.w)
    : (kind === "Verb" ? transform.verb.toInfinitive(t.w, model, tense) : transform.noun.toSingular(t.w, model)) || t.w;
  lemmas.set(key, out);
  return out;
}

type Form = "Infinitive" | "PresentTense" | "PastTense";

/** compromise's conjugation of a verb, cached: ("like", "PresentTense") → "likes" */
function formOf(verb: string, form: Form): string {
  const key = `${form}:${verb}`;
  let out = lemmas.get(key);
  if (out === undefined) {
    out = (transform.verb.conjugate(verb, model) as Record<string, string>)[form] || regular(verb, form);
    lemmas.set(key, out);
  }
  return out;
}

function regular(verb: string, form: Form): string {
  if (form === "Infinitive") return verb;
  if (form === "PastTense") return verb.endsWith("e") ? `${verb}d` : `${verb}ed`;
  return /(s|x|z|ch|sh|o)$/.test(verb) ? `${verb}es` : /[^aeiou]y$/.test(verb) ? `${verb.slice(0, -1)}ies` : `${verb}s`;
}

// ---- clauses ----

/** Splits a sentence where a new statement starts: ", and I …", "… but it …", "because …". */
function clausesOf(toks: Tok[]): Tok[][] {
  // ("…but lost half my gold": a past form after "but" is a verb, whatever compromise took it for)
  toks = toks.map((t, k) => (toks[k - 1]?.w === "but" && !isVerb(t) && pastForm(t)
    ? { ...t, tags: new Set([...[...t.tags].filter((g) => g !== "Adjective"), "Verb", "PastTense"]) } : t));
  const parts: Tok[][] = [[]];
  toks.forEach((t, k) => {
    const prev = toks[k - 1], next = toks[k + 1];
    const part = parts[parts.length - 1];
    const breaks = k > 0 && (
      CLAUSE_BREAK.has(t.w) ||
      // "I took a road trip while you were away": what the character did is another clause
      (/^(while|when|as|after|before|since)$/.test(t.w) && next?.w === "you") ||
      // "It feels like it paid off now that I'm head baker"
      (t.w === "i" && prev.w === "that" && toks[k - 2]?.w === "now") ||
      (JOINERS.has(t.w) && ((isPronoun(next) && !REFERS_BACK.has(next!.w) && !OBJECT_PRONOUNS.has(next!.w)) || next?.w === "my")) ||
      // "…, so keep Whiskers away from me": what the user asks of the character
      // ("…, so please don't send me into the cave": asked too)
      // ("…, so no meat pies for me please")
      // ("…, so no meat pies": a "no" after it is asked of the character too)
      (t.w === "so" && (is(next, "Imperative") || (is(next, "Infinitive") && !is(next, "Noun")) || (next?.w === "do" && toks[k + 2]?.w === "not") || (next?.w === "no" && !is(toks[k + 2], "Pronoun") && toks[k + 2]?.w !== "one") ||
        toks.slice(k + 1).some((x) => /^(please|pls|plz)$/.test(x.w)))) ||
      // "…, don't tell anyone", "…, please don't laugh", "…, keep it secret": asked of the character after a comma
      (prev.post.includes(",") && ((t.w === "do" && next?.w === "not" && isVerb(toks[k + 2])) || /^(please|pls|plz)$/.test(t.w) ||
        (/^(keep|wish|promise|tell)$/.test(t.w) && /^(it|me|anyone|nobody|no)$/.test(next?.w ?? "")))) ||
      (/[,;:(]|\s[-–—]\s|^-\s|[–—]|\.\.\./.test(prev.post) && isPronoun(t) && !REFERS_BACK.has(t.w) && !leads(part)));
    // "I dance at the club and run a school": a second statement by the same "I"
    // ("and only listen to…": an adverb may come first)
    // (not "and emotionally-driven films": a hyphenated adverb goes with the word after it)
    const verb = is(next, "Adverb") && !isVerb(next) && !is(next, "Hyphenated") ? toks[k + 2] : next;
    // ("I killed the troll but lost my gold": "but" and what the user did, too)
    // (not when someone else did the first thing: "…a turtle who was scared but explored the world")
    const butDid = t.w === "but" && pastForm(verb) && !part.some((p, q) => q > 0 && /^(who|that|which|he|she|they|it|we)$/.test(p.w));
    // ("emotions like relief, excitement and worry": the last of a list of things, though compromise took it for a verb)
    // (but "the piano, guitar, and sing", "the piano, guitar and sing": after a comma, or before a word
    // that is only a verb, "and" starts a clause as usual)
    const listing = t.w === "and" && is(prev, "Noun") && !prev.post.trim() && is(toks[k - 2], "Noun") && toks[k - 2].post.includes(",") &&
      (is(next, "Noun") || /Noun/.test(model.two.switches?.[next?.w ?? ""] ?? ""));
    // ("I went to town to buy bread and sell fish", "I want to make a place for people to dance and sing", "I'm
    // getting people together to chat and plan": after "to" and a verb that do not follow a verb of the user's
    // own, a bare verb goes on with that one)
    const nested = !is(verb, "PastTense") && part.some((p, q) => q > 2 && p.w === "to" && isVerb(part[q + 1]) && !isVerb(part[q - 1]));
    // ("…, and support I got was helpful": a thing, with who got it after it)
    const described = verb === next && /^(i|we|they|he|she|you)$/.test(toks[k + 2]?.w ?? "") && isVerb(toks[k + 3]);
    // ("I love to go hiking and rock climbing": an activity named by a word compromise took for a verb, and an -ing word)
    // ("board games and rock climbing": after a thing too, when the word can be a noun and takes no -ing word after it)
    const activity = verb === next && is(toks[k + 2], "Gerund") && lemma(verb!) !== "go" && (is(prev, "Gerund") ||
      (is(prev, "Noun") && /Noun/.test(model.two.switches?.[verb!.w] ?? "") && !TAKES_ING.has(lemma(verb!))));
    const again = k > 1 && (t.w === "and" || butDid) && !listing && !nested && !described && !activity && byI(part) && isVerb(verb) && !is(verb, "Gerund") && !is(verb, "Auxiliary") &&
      !thirdPersonVerb(verb!) &&
      !is(verb, "Copula") && part.some((p, q) => q > 0 && isContent(p));
    // "I'm an electrician who works on my parents' farm": what the user does, said of what they are
    // (not "I'm looking for someone who is kind": the one "who" follows is what the user is, no verb between)
    const is_ = part.findIndex((p) => is(p, "Copula"));
    if (t.w === "who" && byI(part) && thirdPersonVerb(next ?? t) && is_ > 0 && !part.slice(is_ + 1).some((p) => isVerb(p))) {
      return parts.push([synthetic("I", "Pronoun")]);
    }
    if (again) {
      // "I like to drink wine and dance": the second statement likes, too ("I like to dance")
      const to = part.findIndex((p, q) => q > 1 && p.w === "to" && isVerb(part[q + 1]));
      // ("I went running to stay fit and joined a gym": a past verb is no "to …")
      const lead = to > 0 && !is(verb, "PastTense") && !PREF_VERBS.has(lemma(verb!)) && !GOAL_VERBS.has(lemma(verb!)) && part.slice(1, to).every((p) => isVerb(p) || is(p, "Adverb") || is(p, "Negative") || SOFT_ADVERBS.has(p.w));
      // ("I'll keep pushing and make it happen": the second is said with "will" too, a plan, not a fact)
      const modal = !lead && (is(part[1], "Modal") || part[1]?.w === "will") ? [{ ...part[1], first: false }] : [];
      return parts.push([synthetic("I", "Pronoun"), ...modal, ...(lead ? part.slice(1, to + 1).map((p) => ({ ...p, first: false })) : [])]);
    }
    // "Been quite a ride - in a good way - had an audition yesterday": after a dash, a past verb with "I" left out starts a sentence of its own
    const restart = k > 0 && /\s[-–—]\s/.test(prev.post) && (is(t, "PastTense") || /^(had|got)$/.test(t.w)) && !is(t, "Participle") &&
      !toks.slice(0, k).some((p) => p.w === "i" || p.w === "we");
    if (breaks || restart) parts.push([]);
    parts[parts.length - 1].push(restart ? { ...t, first: true } : t);
  });
  // ("I ran again - even though I lost before": "even" goes with what was cut off)
  // ("I can't swim, so no boats please": what follows "so" is what comes of it, so the comma before it
  // leaves the statement whole, unlike a "but")
  const ended = (p: Tok[], next: Tok[] | undefined) => (next?.[0]?.w === "so" && p.at(-1)?.post.includes(",") ? [...p.slice(0, -1), { ...p.at(-1)!, post: p.at(-1)!.post.replace(",", "") }] : p);
  return parts.map((p, i) => trimLeading(ended(p.at(-1) && DANGLING_ENDS.has(p.at(-1)!.w) ? p.slice(0, -1) : p, parts[i + 1]))).filter((p) => p.length > 1);
}

/** words a clause cannot end on once what they led into is cut off */
const DANGLING_ENDS = new Set(["even", "just", "only", "and", "but", "or", "so", "because"]);

/** "runs", "kids": a verb form "I" cannot take, so no new statement of "I" ("my wife and kids") */
function thirdPersonVerb(t: Tok): boolean {
  return is(t, "PresentTense") && t.w.endsWith("s") && lemma(t) !== t.w && formOf(lemma(t), "PresentTense") === t.w;
}

/** Drops leading filler; a leading time ("Yesterday I …") moves to the end. */
function trimLeading(toks: Tok[]): Tok[] {
  let k = 0;
  // filler, and the name of the one spoken to: "Well, Bram, I …"
  const vocative = (t: Tok) => (is(t, "FirstName") || is(t, "Person")) && t.post.includes(",");
  // ("So far I love it": not a "so" that joins)
  while (k < toks.length && ((LEADING.has(toks[k].w) && !(toks[k].w === "so" && toks[k + 1]?.w === "far")) || is(toks[k], "Expression") || is(toks[k], "Interjection") || vocative(toks[k]))) k++;
  // "I think I left my sword in the cave": the hedge goes, what the user did stays
  const hedge = toks[k]?.w === "i" && HEDGES.has(toks[k + 1]?.w ?? "") ? (toks[k + 2]?.w === "that" ? 3 : 2) : 0;
  if (hedge && toks[k + hedge]?.w === "i" && isVerb(toks[k + hedge + 1])) k += hedge;
  // ("I think my favorite part is the meditation": the same with the user's own thing)
  else if (hedge && toks[k + hedge]?.w === "my" && is(toks[k + hedge + 1], "Noun") || hedge && toks[k + hedge]?.w === "my" && is(toks[k + hedge + 2], "Noun")) k += hedge;
  // "Last time I bought a map from you": "last time" says nothing the session's own time does not
  if (toks[k]?.w === "last" && toks[k + 1]?.w === "time" && toks[k + 2]?.w === "i") k += 2;
  // "Since we last spoke, I…": the time since the last talk with the character, likewise
  if (toks[k]?.w === "since" && toks[k + 1]?.w === "we" && /^(last|spoke|talked|chatted)$/.test(toks[k + 2]?.w ?? "")) {
    let e = k + 2;
    while (e < toks.length && /^(last|spoke|talked|chatted|talk|spoke)$/.test(toks[e].w)) e++;
    if (toks[e]?.w === "i") k = e;
  }
  const lead = MOMENT_LEADS.find((l) => l.every((w, q) => toks[k + q]?.w === w) && toks[k + l.length]?.w === "i");
  if (lead) k += lead.length;
  // "On the bright side, my sister had her baby": how the user turns to it, before a comma
  const turn = TURNS.find((l) => l.every((w, q) => toks[k + q]?.w === w) && toks[k + l.length - 1].post.includes(","));
  if (turn) k += turn.length;
  const last = toks[toks.length - 1];
  // "…, Bram!", "…, sorry.": a name or an interjection tacked on at the end
  // (but "I have a sister, Mara", "two cats, Miso": the name of the one just brought up; "my dad, Kira" may be said to Kira)
  const introduced = (at: number) => {
    if (![FAMILY, PETS, PEOPLE].some((set) => set.has(lemma(toks[at])))) return false;
    while (at > 0 && is(toks[at - 1], "Adjective")) at--;
    return indefinite(toks[at - 1]) || is(toks[at - 1], "Value");
  };
  if (toks.length > 2 && (is(last, "FirstName") || is(last, "Person") || is(last, "Expression") || is(last, "Interjection") || TACKED_ON.has(last.w)) &&
    toks[toks.length - 2].post.includes(",") && !((is(last, "FirstName") || is(last, "Person")) && introduced(toks.length - 2))) toks = toks.slice(0, -1);
  // "Got it Mike!", "Love the thought Mike": a first name after what cannot take one (not "met Mike",
  // "with Mike", "my friend Mike")
  const before = toks[toks.length - 2];
  // (nor "call me Jo": the name the user goes by)
  const callMe = before?.w === "me" && /^call(s|ed)?$/.test(toks[toks.length - 3]?.w ?? "");
  if (toks.length > 2 && !callMe && is(toks[toks.length - 1], "FirstName") && !isVerb(before) && !is(before, "Preposition") && !is(before, "Conjunction") &&
    !is(before, "Determiner") && !is(before, "Possessive") && !isProper(before) && !FAMILY.has(lemma(before)) && !PEOPLE.has(lemma(before))) toks = toks.slice(0, -1);
  // "Yesterday I…", "Last weekend, I…": when, said at the end of what the user did (its first clause)
  let d = k;
  while (d < toks.length && d - k < 5 && timeWord(toks[d])) d++;
  // ("On rainy days, I bake bread": where or when, likewise)
  if (!(d > k && toks[d]?.w === "i" && timeLead(toks.slice(k, d)))) d = toks.findIndex((t, q) => q > k && t.w === "i");
  if (!(d > k && toks[d]?.w === "i" && leads(toks.slice(k, d)))) return toks.slice(k);
  let end = toks.findIndex((t, q) => q > d && /[,;:]|\s[-–—]\s/.test(t.post));
  if (end < 0) end = toks.length - 1;
  const when = toks.slice(k, d).map((t, q, all) => ({
    ...t, first: false, text: q === 0 && !isProper(t) ? t.text.toLowerCase() : t.text, post: q === all.length - 1 ? toks[end].post : " ",
  }));
  return [...toks.slice(d, end), { ...toks[end], post: " " }, ...when, ...toks.slice(end + 1)];
}

/** A clause of "I", maybe after when ("Last week, I realized…") */
function byI(part: Tok[]): boolean {
  const i = part.findIndex((t) => t.w === "i");
  return i === 0 || (i > 0 && leads(part.slice(0, i)));
}

const TIME_NOUNS = /^(yesterday|today|tonight|morning|afternoon|evening|night|weekend)$/;
const timeWord = (t: Tok) => is(t, "Date") || is(t, "Value") || TIME_NOUNS.test(t.w) || /^(last|this|next|on|in|at|the|early|late|earlier|ago)$/.test(t.w);
/** "Last weekend", "Two days ago", "This morning", "On Saturday": words that only say when */
const timeLead = (toks: Tok[]) => toks.length > 0 && toks.length <= 5 && toks.every(timeWord) && toks.some((t) => is(t, "Date") || TIME_NOUNS.test(t.w));
/** "On rainy days,", "After work,", "In my downtime,": when or where, before a comma (not "In fact,", "At least,") */
const circumstance = (toks: Tok[]) => toks.length >= 2 && toks.length <= 5 && /^(on|in|during|after|before|every|at|over|around|throughout)$/.test(toks[0].w) &&
  toks[toks.length - 1].post.includes(",") && !toks.slice(0, -1).some((t) => /[,;.!?]/.test(t.post)) && !toks.some(isVerb) &&
  !/^(in (fact|general|short|truth|total|any case|the end|my opinion|my view|my experience)|at (least|first|last|times|the moment|this point|the same time)|after all|in (other news|addition|the meantime)|on (top of that|the other hand|the bright side|the flip side|second thought|\w+( \w+)? note|that topic|my end))\b/.test(toks.map((t) => t.w).join(" "));
/** when the user did it, said before "I": a time, or a circumstance ending in a comma */
const leads = (toks: Tok[]) => timeLead(toks) || circumstance(toks);

function clause(toks: Tok[], ctx: Ctx): void {
  const [head, second] = toks;
  // "My quest right now is to find the blue key"
  if (head.w === "my") return during(ctx, ofTheMoment(null, toks, ctx), () => possessiveClause(toks, ctx));
  if (callMe(toks, ctx)) return;
  // "Lost my job yesterday", "Gonna start a band": the subject "I" is left out
  // ("Excited for the future", "Been a long road": a feeling or a participle, not something done)
  // "Just finished a book": an adverb before the verb
  const [verb, after] = SOFT_LEADS.has(head.w) ? [second, toks[2]] : [head, second];
  // ("Made me proud": "it" is left out, not "I")
  // ("Got back from a trip", "Had an audition": "got" and "had", which compromise may tag an auxiliary, but not "Got it", "Had to go")
  const pastAction = (is(verb, "PastTense") && !is(verb, "Auxiliary") && !is(verb, "Copula") && !is(verb, "Participle") ||
    /^(got|had)$/.test(verb?.w ?? "") && toks.length > 3 && !/^(it|to|that|this|you|me|ta)$/.test(after?.w ?? "")) &&
    !/^(for|about|with|by|of|me)$/.test(after?.w ?? "");
  // ("Working the night shift taught me…", "Going to the fair was fun": the gerund is the subject of a later verb)
  const going = ((verb?.w === "going" && after?.w === "to") || (ONGOING.has(verb?.w ?? "") && verb !== undefined && !is(after, "Verb"))) &&
    !laterVerb(toks.slice(toks.indexOf(verb!) + 1));
  const implied = !head.first ? [] : pastAction || verb?.w === "want" || (/^(love|enjoy)$/.test(verb?.w ?? "") && (is(after, "Gerund") || after?.w === "to"))
    ? [synthetic("I", "Pronoun")]
    : going || doing(toks) ? [synthetic("I", "Pronoun"), synthetic("am", "Verb", "Copula")]
    // "Been working on some projects": "I have" left out
    : verb?.w === "been" && is(after, "Gerund") ? [synthetic("I", "Pronoun"), synthetic("have", "Verb", "Auxiliary")] : [];
  const c = analyze([...implied, ...toks]);
  during(ctx, ofTheMoment(c, toks, ctx), () => {
    if (c) iClause(c, ctx);
    else if (!implied.length) objectClause(toks, ctx);
  });
}

/**
 * "Researching old shipwrecks.": a sentence that starts with what the user is doing, "I am" left
 * out. Not when the gerund is the subject of a verb that follows ("Painting is great"), is one of a
 * list ("Writing and hanging with friends!", an answer), or is a light or talk verb ("Seeing them…").
 */
function doing(toks: Tok[]): boolean {
  const [head, next] = toks;
  if (!is(head, "Gerund") || !next || (is(next, "Conjunction") && next.w !== "to") || next.post.includes(",") || head.post.trim()) return false;
  if (asVerb(next)) return false;
  const verb = lemma({ ...head, tags: new Set(["Verb", "Gerund"]) });
  if (LIGHT_VERBS.has(verb) || OPINION_VERBS.has(verb) || CHAT_VERBS.has(verb)) return false;
  // up to the first break in the sentence, nothing but the gerund's own words: no verb of its own
  const end = toks.findIndex((_t, k) => k > 0 && /[,;:—–-]/.test(toks[k - 1].post));
  return !toks.slice(1, end < 0 ? undefined : end).some((t) => isVerb(t) && !is(t, "Gerund") && !is(t, "Infinitive")) &&
    toks.slice(1).some(isContent);
}

/**
 * A verb of its own in `toks` before the first break: "… at the hospital taught me". Not one after
 * "to", nor one joined to it ("going to finish school and find a job").
 */
function laterVerb(toks: Tok[]): boolean {
  const end = toks.findIndex((_t, k) => k > 0 && /[,;:—–-]/.test(toks[k - 1].post));
  return toks.slice(0, end < 0 ? undefined : end).some((t, k, all) =>
    k > 0 && !/^(to|and|or|then)$/.test(all[k - 1].w) && isVerb(t) && !is(t, "Gerund") && !is(t, "Infinitive") && !is(t, "Particle"));
}

/** A verb's past form, though compromise may have tagged it otherwise ("but lost half my gold": an adjective) */
function pastForm(t: Tok | undefined): boolean {
  if (!t || is(t, "Noun") || isPronoun(t)) return false;
  if (is(t, "PastTense")) return true;
  const base = lemma({ ...t, tags: new Set(["Verb", "PastTense"]) });
  return base !== t.w && formOf(base, "PastTense") === t.w;
}

/** "Painting helps me…": a word that reads as a verb agreeing with "it", though compromise may have taken it for a plural noun */
const asVerb = (t: Tok | undefined) => !!t && (isVerb(t) || (t.w.endsWith("s") && formOf(lemma({ ...t, tags: new Set(["Verb"]) }), "PresentTense") === t.w));

/** "This old necklace is…", "These lanterns remind…": after the first word, a noun (adjectives before it) and then a verb ("That sounds like me" is no such) */
function namesThing(toks: Tok[]): boolean {
  const v = toks.findIndex((t, q) => q >= 2 && q <= 4 && isVerb(t) && !is(t, "Noun"));
  return v > 0 && is(toks[v - 1], "Noun") && !isPronoun(toks[v - 1]) && toks.slice(1, v).every((t) => (is(t, "Noun") || is(t, "Adjective")) && !isVerb(t));
}

/** Runs `fn` with `ctx.moment` set: what it adds is short-lived when its clause is the task of the moment. */
function during(ctx: Ctx, moment: boolean, fn: () => void): void {
  const was = ctx.moment;
  ctx.moment = moment;
  try {
    fn();
  } finally {
    ctx.moment = was;
  }
}

/**
 * Whether a clause is the task of the moment (session memory): said "right now" (in the present), or
 * a search, a move somewhere or a quest's errand in the present progressive ("I'm looking for the
 * blue key", "I'm heading to the harbor", "I'm trying to find the sword"), or "I'm on my way to…".
 * A date, a negation or an aim that lasts ("looking for a new job") keeps it a lasting fact.
 */
function ofTheMoment(c: Clause | null, toks: Tok[], ctx: Ctx): boolean {
  if (toks.some((t) => is(t, "Date"))) return false;
  if (!c) return !!ctx.now && !toks.some((t) => is(t, "PastTense"));
  if (c.neg || is(c.toks[c.verbAt], "PastTense") || /^(was|were|did|used)$/.test(c.toks[c.verbAt].w)) return false;
  if (modality(c).modal || modality(c).future || c.toks.some((t) => HABITUAL.has(t.w))) return false;
  let { lemma: verb, rest } = c;
  let progressive = c.aux.some((a) => /^(am|is|are)$/.test(a)) && c.toks[c.mainAt].w.endsWith("ing");
  // "I'm still looking for…": an adverb between them, and "am" was taken for the main verb
  if (verb === "be" && is(rest[0], "Gerund")) [verb, rest, progressive] = [lemma(rest[0]), rest.slice(1), true];
  // "I'm eating right now", "I want to find the key right now" (but "I'm in high school right now")
  if (ctx.now && (progressive || GOAL_VERBS.has(verb))) return true;
  if (c.rest.some((t) => LASTING_AIMS.has(lemma(t)))) return false;
  if (verb === "be") return underway(rest);
  const next = rest[0]?.w;
  if (!progressive) return false;
  if (SEEK_VERBS.has(verb)) return verb !== "look" || next === "for";
  // "making my way to…", "heading for…"
  if (verb === "make") return next === "my" && rest[1]?.w === "way";
  if (MOVE_VERBS.has(verb)) return DIRECTIONS.has(next ?? "") || (verb === "head" && next === "for");
  if (verb === "try") return next === "to" && !!rest[1] && (TRY_TASKS.has(lemma(rest[1])) || (lemma(rest[1]) === "get" && rest[2]?.w === "to"));
  return QUEST_VERBS.has(verb);
}

/** "on my way to the harbor", "on a quest for the king" */
function underway(rest: Tok[]): boolean {
  if (rest[0]?.w !== "on" || !/^(a|an|my|the|this)$/.test(rest[1]?.w ?? "")) return false;
  return (rest[2]?.w === "way" && DIRECTIONS.has(rest[3]?.w ?? "")) || QUESTS.has(rest[2]?.w ?? "");
}

/** "Writing helps me relax", "The guild made me feel welcome": the user as the object. */
function objectClause(toks: Tok[], ctx: Ctx): void {
  const v = toks.findIndex((t, k) => k > 0 && isVerb(t) && !is(t, "Gerund"));
  const doer = toks.slice(0, v), verb = toks[v];
  // ("Friendship means a lot to me": what matters to the user, though "mean" is a talk verb)
  const matters = v > 0 && lemma(verb) === "mean" && /^(a|the|everything|so|much)$/.test(toks[v + 1]?.w ?? "");
  if (v < 1 || v > 4 || !doer.some(isContent) || (CHAT_VERBS.has(lemma(verb)) && !matters) || /^(here|there)$/.test(toks[0].w)) return;
  if (doer.some((t, k) => isPronoun(t) || (isVerb(t) && k > 0) || DEMONSTRATIVES.has(t.w) || is(t, "Preposition") || is(t, "Conjunction"))) return;
  // up to the next comma or conjunction, within the length of a fact
  // ("to", which compromise may tag as a conjunction, goes on: "Art has allowed me to explore…")
  const end = toks.findIndex((t, k) => k > v && ((is(t, "Conjunction") && t.w !== "to") || toks[k - 1].post.includes(",")));
  const said = end < 0 ? toks : toks.slice(0, end);
  // ("Life has been good since I got my dog": the first "I" names the user, and its verb agrees)
  const me = said.findIndex((t, k) => k > v && (t.w === "me" || t.w === "my" || t.w === "i"));
  if (me < 0 || said.length < v + 3 || said.length > MAX_WORDS - 1) return;
  const user = object(ctx), i = said[me].w === "i";
  const named = said.map((t, k) => (k === me ? synthetic(t.w === "my" ? `${user}'s` : user, "ProperNoun")
    : i && k === me + 1 && isVerb(t) ? { ...t, text: agree(t, false) } : t));
  add(ctx, { text: say("", named, undefined, ctx, false), importance: 0.4 });
}

/** Takes an "I …" clause apart, or null when it is not one. */
function analyze(toks: Tok[]): Clause | null {
  if (toks[0]?.w !== "i") return null;
  const aux: string[] = [];
  let neg = false, noLonger = false, verbAt = -1, k = 1;
  for (; k < toks.length; k++) {
    const t = toks[k], next = toks[k + 1];
    if (t.w === "no" && next?.w === "longer") { neg = noLonger = true; k++; continue; }
    if (is(t, "Negative") || t.w === "never") { neg = true; continue; }
    if ((is(t, "Adverb") || SOFT_ADVERBS.has(t.w)) && !isVerb(t)) continue;
    if (!isVerb(t) && !(t.w === "to" && aux.length) && !aux.some((a) => a === "do" || a === "does" || a === "did")) return null;
    if (verbAt < 0) verbAt = k;
    const auxiliary = is(t, "Auxiliary") || is(t, "Modal") || (t.w === "to" && aux.length > 0) ||
      (t.w === "going" && next?.w === "to" && isVerb(toks[k + 2])) ||
      (is(t, "Copula") && isVerb(next) && !is(next, "Copula") && next?.w !== "to");
    if (!auxiliary || k === toks.length - 1) break;
    aux.push(t.w);
  }
  if (verbAt < 0 || k >= toks.length) return null;
  // "I'm not…", "I'm no longer…", "I'm originally from…": negation and adverbs right after the verb
  let r = k + 1;
  for (; r < toks.length; r++) {
    const t = toks[r];
    if (t.w === "no" && toks[r + 1]?.w === "longer") { neg = noLonger = true; r++; continue; }
    if (is(t, "Negative") || t.w === "never") { neg = true; continue; }
    // ("I like a lot of different music": compromise may tag "a lot" an adverb there; "a lot of" is how much)
    if (!is(t, "Adverb") || isVerb(t) || (t.w === "a" && toks[r + 1]?.w === "lot" && toks[r + 2]?.w === "of")) break;
  }
  const rest = toks.slice(r);
  if (rest.some((t) => t.w === "anymore")) noLonger = neg;
  return { toks, verbAt, mainAt: k, lemma: lemma(toks[k]), aux, neg, noLonger, rest };
}

// ---- what an "I …" clause can say ----

function iClause(c: Clause, ctx: Ctx): void {
  const { lemma: verb, aux, rest } = c;
  // "I quit smoking last year": a past spelled like the present, in a clause set in the past
  const first = c.toks[c.verbAt];
  if (is(first, "PresentTense") && rest.some((t) => /^(yesterday|ago|last)$/.test(t.w)) && formOf(lemma(first), "PastTense") === first.w) {
    c.toks[c.verbAt] = { ...first, tags: new Set([...first.tags, "PastTense"]) };
  }
  const { modal, future } = modality(c);
  const past = is(c.toks[c.verbAt], "PastTense") || /^(was|were|did|got|used)$/.test(c.toks[c.verbAt].w);

  if (verb === "be" && !modal && !past) {
    if (nameIs(rest, ctx, c.neg)) return;
    if (ageIs(rest, ctx, c.neg)) return;
    if (rest[0]?.w === "from" && place(c, rest.slice(1), "origin", `is from`, 0.7, ctx)) return;
    if (rest[0]?.w === "into") return preference(c, "into", rest.slice(1), ctx);
    const fan = rest.findIndex((t) => t.w === "fan");
    if (rest[0]?.w === "a" && fan > 0 && fan < 3 && rest[fan + 1]?.w === "of") return preference(c, "fan", rest.slice(fan + 2), ctx);
    if (occupation(c, ctx)) return;
  }
  if (verb === "born" || verb === "bear") {
    if (rest[0]?.w === "in" && rest.some((t) => is(t, "Place")) && place(c, rest.slice(1), "origin", "was born in", 0.7, ctx)) return;
  }
  if (verb === "come" && rest[0]?.w === "from" && !past && place(c, rest.slice(1), "origin", "is from", 0.7, ctx)) return;
  if ((verb === "live" || verb === "reside") && rest[0]?.w === "in" && !modal && !past && place(c, rest.slice(1), "home", "lives in", 0.8, ctx)) return;
  if ((verb === "move" || verb === "relocate") && rest[0]?.w === "to" && past && !c.neg && place(c, rest.slice(1), "home", "lives in", 0.8, ctx)) {
    // ("I moved to Austin last month for a new job": when or why stays with the move, beside the home it made)
    const after = rest.slice(1 + nounPhrase(rest.slice(1)).length);
    if (after.some((t) => isContent(t) || is(t, "Date"))) general(c, ctx, true);
    return;
  }
  if (verb === "work" && !modal && !past && (rest[0]?.w === "as" || rest[0]?.w === "at" || rest[0]?.w === "for")) {
    if (workAs(c, ctx)) return;
  }
  if (verb === "turn" && past && ageIs(rest, ctx, c.neg)) return;
  // (not "I'm having a boy": expecting one)
  if ((verb === "have" || (verb === "get" && aux.includes("have"))) && !modal && !past && !c.neg && !is(c.toks[c.mainAt], "Gerund")) {
    if (relations(rest, ctx)) return;
  }
  if (goal(c, modal, future, ctx)) return;
  if (PREF_VERBS.has(verb) && !modal && !past && !future) return preference(c, verb, rest, ctx);
  if (verb === "stand" && modal && c.neg) return preference({ ...c, neg: false, noLonger: false }, "hate", rest, ctx);
  // "I'd rather use a bow": what the user would choose, said with its "would rather"
  // (not a choice of the moment: "I'd rather stay home tonight")
  if (modal === "would" && c.toks[c.verbAt + 1]?.w === "rather" && !c.neg && rest.some(isContent) && !rest.some((t, k) => is(t, "Date") || relativeTime(rest, k, ctx.day)) && !LIGHT_VERBS.has(verb)) return general(c, ctx, false);
  // a past action matters a little more than a state; when the user said when, the date is in the text
  // ("yesterday" → "on 2025-03-11"); when not, the memory's createdAt and sources say when it was told
  const action = past && !STATIVE.has(verb) && !aux.includes("used") && !/^(was|were)$/.test(c.toks[c.verbAt].w);
  // "I'm on my way to the harbor": where the user is headed, for the moment
  if (verb === "be" && ctx.moment && underway(rest)) return general(c, ctx, false);
  if (lasting(c, modal, future)) general(c, ctx, action);
}

/**
 * "I promised Elara I'd bring her a moonflower": a promise, whole ("… promised Elara to bring her a
 * moonflower"); a game's characters hold the player to it. Taken apart, its clauses are an opinion
 * verb and a "would", and say nothing.
 */
function promise(said: Tok[], ctx: Ctx): boolean {
  const toks = trimLeading(said);
  let v = 1;
  while (SOFT_ADVERBS.has(toks[v]?.w ?? "")) v++;
  if (toks[0]?.w !== "i" || !/^(promised|promise|swore|swear|vowed|vow)$/.test(toks[v]?.w ?? "")) return false;
  const rest = toks.slice(v + 1);
  // "… (that) I'd / I would / I'll bring …" → "… to bring …"
  const i = rest.findIndex((t, k) => t.w === "i" && /^(would|will)$/.test(rest[k + 1]?.w ?? ""));
  const from = rest[i - 1]?.w === "that" ? i - 1 : i;
  const body = i >= 0 ? [...rest.slice(0, from), synthetic("to"), ...rest.slice(i + 2)] : rest;
  if (!body.some((t) => t.w === "to") || !body.some(isContent) || body.length > MAX_WORDS) return false;
  const { toks: timed } = datesOf(body, ctx.day);
  add(ctx, { text: sentence(`${subject(ctx)} promised ${words(timed, -1, object(ctx))}`), importance: 0.7 });
  return true;
}

/** "my name is …", "my sister Ana …", "my dog is called Rex", "my favorite color is blue", "my goal is to …" */
function possessiveClause(toks: Tok[], ctx: Ctx): void {
  const v = findVerb(toks);
  if (v < 0) return;
  const what = toks.slice(1, v), after = toks.slice(v + 1), copula = is(toks[v], "Copula");
  const head = what.find((t) => is(t, "Noun"));
  if (!head) return;
  const kind = lemma({ ...head, w: head.w.replace(/'s$/, "") });
  if (copula && kind === "name" && what.length === 1) { nameIs(after, ctx, false); return; }
  if (copula && /^(goal|dream|plan)$/.test(kind) && after[0]?.w === "to") {
    const goal = cut(after.slice(1));
    return add(ctx, { text: sentence(`${possessive(ctx)} ${kind} is to ${words(goal)}`), slot: `goal:${key(goal)}`, importance: 0.7 });
  }
  if (copula && /^(favou?rite|fave)$/.test(what[0].w) && what.length > 1) {
    let thing = what.slice(1);
    const value = untilComma(cut(after), 0);
    if (!value.some((t) => isContent(t) || is(t, "Adjective"))) return;
    // "I have a lot of favorite books, but my favorite one is…": the one of the things just said
    const ones = thing.length === 1 && thing[0].w === "one" ? ctx.thing?.toks.filter((t) => is(t, "Plural") && !isPronoun(t)).pop() : undefined;
    if (ones) thing = [synthetic(lemma(ones), "Noun", "Singular")];
    return add(ctx, {
      text: sentence(`${possessive(ctx)} favorite ${words(thing)} ${toks[v].text.toLowerCase()} ${words(value)}`),
      slot: `pref:favorite ${key(thing)}`, value: words(value), importance: 0.5,
    });
  }
  if (FAMILY.has(kind) || PETS.has(kind)) {
    // "my sister Ana …", "my dog is called Rex", "my dog's name is Rex"
    const afterHead = what.slice(what.indexOf(head) + 1);
    const inline = isProper(afterHead[0]) ? nameFrom(afterHead) : undefined;
    const given = /^(named|called)$/.test(after[0]?.w ?? "") ? nameFrom(after.slice(1))
      : copula && afterHead[0]?.w === "name" ? nameFrom(after) : undefined;
    // ("My dog Rex died last year": what the user had, not has)
    const gone = /^(die|pass|lose)$/.test(lemma(toks[v]));
    if ((inline ?? given) && !gone) relation(kind, "a", (inline ?? given)!, ctx);
    if (given) return;
  }
  // "my mom passed away", "my dog is old": what happens to the user's family and pets needs no object
  // ("My mom would love that": what they might do is no fact)
  const might = /^(would|could|might|should|may)$/.test(toks[v].w);
  const aboutKin = (FAMILY.has(kind) || PETS.has(kind)) && what.length <= 2 && after.length > 0 && !CHAT_VERBS.has(lemma(toks[v])) && !might &&
    (!copula || after.some((t) => is(t, "Adjective") && !PASSING_STATES.has(t.w) && !FEELINGS.has(t.w) && !MOODS.has(t.w)));
  // ("My birthday's next Tuesday": a day of the user's, said with its date)
  const dayOf = /^(birthday|bday|anniversary)$/.test(kind) && copula && after.some((t) => is(t, "Date") || relativeTime(after, after.indexOf(t), ctx.day));
  if (after.some(isContent) || aboutKin || dayOf) add(ctx, { text: say(possessive(ctx), toks.slice(1), undefined, ctx, false), importance: 0.4 });
}

function nameIs(toks: Tok[], ctx: Ctx, neg: boolean): boolean {
  // "I'm Sam, by the way"
  const comma = toks.findIndex((t) => t.post.includes(","));
  const names = comma < 0 ? toks : toks.slice(0, comma + 1);
  if (neg || !names.length || names.length > 3 || !names.every((t) => isProper(t) && !is(t, "Place") && !is(t, "Demonym") && !is(t, "Organization"))) return false;
  setName(names.map((t) => capitalize(t.text)).join(" "), ctx);
  return true;
}

function setName(name: string, ctx: Ctx): void {
  add(ctx, { text: `The user's name is ${name}.`, slot: "name", value: name, importance: 1 });
  ctx.name = firstWord(name);
}

/** "call me Jo", "you can call me Jo", "everyone calls me Jo" */
function callMe(toks: Tok[], ctx: Ctx): boolean {
  // ("I go by Lex, not Alexandra": the name the user goes by, before a comma)
  const by = toks.findIndex((t, k) => k > 0 && toks[k - 1].w === "i" && /^go(es)?$/.test(t.w) && toks[k + 1]?.w === "by");
  const at = by > 0 ? by : toks.findIndex((t, k) => /^call(s|ed)?$/.test(t.w) && toks[k + 1]?.w === "me");
  const after = at < 0 ? [] : toks.slice(at + 2);
  const comma = after.findIndex((t) => /[,;]/.test(t.post));
  const rest = comma >= 0 ? after.slice(0, comma + 1) : after;
  // (a name, not "I go by bus")
  if (by > 0 && !rest.every(isProper)) return false;
  // "call me Jo", not "call me on 415-555-2671" or "call me tomorrow"
  if (at < 0 || at > 3 || rest.length === 0 || rest.length > 2 || !rest.every((t) => isProper(t) || is(t, "Noun")) ||
    rest.some((t) => is(t, "Preposition") || is(t, "Value") || is(t, "Date") || isPronoun(t) || /\d/.test(t.w))) return false;
  setName(rest.map((t) => capitalize(t.text)).join(" "), ctx);
  return true;
}

function ageIs(toks: Tok[], ctx: Ctx, neg: boolean): boolean {
  const value = toks.filter((t) => is(t, "Value"));
  const others = toks.filter((t) => !is(t, "Value") && !is(t, "Date") && !/^(years?|yrs?|old|now|this|yo|last|yesterday|today)$/.test(t.w));
  if (neg || !value.length || others.length) return false;
  const age = number(...value);
  if (!(age >= 1 && age <= 120) || !Number.isInteger(age)) return false;
  add(ctx, { text: `${subject(ctx)} is ${age} years old.`, slot: "age", value: String(age), importance: 0.8 });
  return true;
}

/**
 * "I live in Denver", "I'm from Ohio": a place slot; "I don't live in Denver anymore" withdraws it.
 * False when no place is named ("I live in a small flat…", "flat" tagged otherwise): other rules may take the clause.
 */
function place(c: Clause, toks: Tok[], slot: string, says: string, importance: number, ctx: Ctx): boolean {
  let where = nounPhrase(toks);
  if (!where.length || isPronoun(where[0]) || where[0].w === "there" || where[0].w === "here") return false;
  // ("a small town in Vermont": where the place named by what it is lies)
  const at = toks.indexOf(where[where.length - 1]) + 1;
  if (!where.some(isProper) && /^(in|near|outside)$/.test(toks[at]?.w ?? "") && isProper(toks[at + 1]) && !/[,;]/.test(where[where.length - 1].post)) {
    let end = at + 1;
    while (isProper(toks[end + 1]) && !/[,;.]/.test(toks[end].post)) end++;
    where = toks.slice(0, end + 1);
  }
  const value = words(where);
  if (c.neg) {
    if (slot === "home") add(ctx, { text: sentence(`${subject(ctx)} no longer lives in ${value}`), slot, value, retract: true, importance });
    return true;
  }
  placed(ctx, slot, says, value, importance);
  return true;
}

/** "Jordan is from Lisbon." on the origin slot, "Jordan lives in Leeds." on the home slot. */
function placed(ctx: Ctx, slot: string, says: string, value: string, importance: number): void {
  add(ctx, { text: sentence(`${subject(ctx)} ${says} ${value}`), slot, value, importance });
}

/**
 * "My colleagues and I went to a trade fair", "Me (or I) and my brother built a treehouse": what the user did
 * with others, said of the user "with their colleagues"; "My sister and I are twins": said of "we"
 * (the user and their sister). The sentence as it was when it has no such subject.
 */
function together(said: Tok[]): Tok[] {
  const toks = trimLeading(said);
  const meFirst = (toks[0]?.w === "me" || toks[0]?.w === "i") && toks[1]?.w === "and";
  const and = meFirst ? 1 : toks.findIndex((t, k) => k > 0 && k <= 4 && t.w === "and" && toks[k + 1]?.w === "i");
  if (and < 1) return said;
  let v = meFirst ? toks.findIndex((t, k) => k > 2 && isVerb(t)) : and + 2;
  // ("My wife and I just had a baby": an adverb may come first)
  while (!meFirst && v < toks.length && (is(toks[v], "Adverb") || SOFT_LEADS.has(toks[v].w)) && !isVerb(toks[v])) v++;
  // ("Last weekend, my sister and I went camping": what comes before a comma stays in front)
  let comma = -1;
  if (!meFirst) for (let q = 0; q < and; q++) if (/[,;]/.test(toks[q].post)) comma = q;
  const lead = toks.slice(0, comma + 1);
  const others = meFirst ? toks.slice(2, v) : toks.slice(comma + 1, and);
  if (v < 0 || !isVerb(toks[v]) || !others.length || others.length > 4 || others.some(isVerb) || !others.some((t) => isContent(t) || isProper(t))) return said;
  const named = others.map((t, k) => ({ ...t, first: false, text: k === 0 && /^(my|our|the|a|an|some|both|all)$/.test(t.w) ? t.text.toLowerCase() : t.text }));
  const rest = toks.slice(v);
  const we = (t: Tok) => ({ ...t, first: !lead.length });
  if (is(rest[0], "Copula")) return [...lead, we({ ...synthetic("we", "Pronoun"), with: named }), ...rest];
  // "with their kids" at the end of the first clause: "… made pizza last night with their kids, it was fun"
  let at = rest.findIndex((t) => /[,;:.!?]|\s[-–—]\s/.test(t.post));
  if (at < 0) at = rest.length - 1;
  named[named.length - 1] = { ...named[named.length - 1], post: rest[at].post };
  return [...lead, we(synthetic("I", "Pronoun")), ...rest.slice(0, at), { ...rest[at], post: " " }, synthetic("with"), ...named, ...rest.slice(at + 1)];
}

/**
 * "… a gift from my aunt in my home country, Norway", "my hometown is Leeds": where the user is
 * from, named anywhere in a sentence (beside whatever else the sentence says).
 */
function homeCountry(toks: Tok[], ctx: Ctx): void {
  const k = toks.findIndex((t, q) => t.w === "my" && (/^(hometown|homeland)$/.test(toks[q + 1]?.w ?? "") ||
    (/^(home|native)$/.test(toks[q + 1]?.w ?? "") && /^(country|town|city)$/.test(toks[q + 2]?.w ?? ""))));
  // ("My hometown is Leeds." is the possessive clause's)
  if (k <= 0) return;
  let at = k + (toks[k + 1].w === "home" || toks[k + 1].w === "native" ? 3 : 2);
  if (toks[at]?.w === "is" || toks[at]?.w === "was") at++;
  else if (!toks[at - 1].post.includes(",")) return;
  const name: Tok[] = [];
  for (let q = at; q < toks.length && isProper(toks[q]); q++) {
    name.push(toks[q]);
    if (/[,.;!?]/.test(toks[q].post)) break;
  }
  if (!name.length || name.length > 3) return;
  placed(ctx, "origin", "is from", words(name), 0.7);
}

/** "I'm a welder", "I'm a software engineer at Acme", "I'm no longer a nurse" */
function occupation(c: Clause, ctx: Ctx): boolean {
  // ("I'm still a nurse", "I'm now a welder": the job, said again or new)
  const rest = c.rest.slice(Math.max(0, c.rest.findIndex((t) => !/^(still|now|also|actually|finally|officially|already)$/.test(t.w))));
  if (!indefinite(rest[0])) return false;
  const np = nounPhrase(rest.slice(1));
  const head = np[np.length - 1];
  if (!head || !is(head, "Noun") || isProper(head) || NOT_JOBS.has(head.w) || np.length > 4) return false;
  if (!(is(head, "Actor") || JOBLIKE.test(head.w) || JOB_WORDS.has(head.w))) return false;
  const more = rest.slice(1 + np.length);
  const where = (more[0]?.w === "at" || more[0]?.w === "for") ? nounPhrase(more.slice(1)) : [];
  const value = words(np) + (where.length ? ` ${more[0].w} ${words(where)}` : "");
  if (c.neg) {
    if (c.noLonger) add(ctx, { text: sentence(`${subject(ctx)} is no longer ${article(np[0].w)} ${value}`), slot: "occupation", value, retract: true, importance: 0.8 });
    return true;
  }
  add(ctx, { text: sentence(`${subject(ctx)} is ${article(np[0].w)} ${value}`), slot: "occupation", value, importance: 0.8 });
  return true;
}

/** "I work as a nurse", "I work at Acme" */
function workAs(c: Clause, ctx: Ctx): boolean {
  const prep = c.rest[0].w;
  let np = nounPhrase(c.rest.slice(1));
  if (prep === "as" && indefinite(np[0])) np = np.slice(1);
  if (!np.length || isPronoun(np[0])) return false;
  const value = words(np);
  // ("…as a nurse at the hospital in the city": where is said too, the slot holds the job)
  const more = c.rest.slice(c.rest.indexOf(np[np.length - 1]) + 1);
  const where = prep === "as" && /^(at|in|for|with|on)$/.test(more[0]?.w ?? "") && more.some(isContent) ? ` ${words(more)}` : "";
  const says = prep === "as" ? `works as ${article(np[0].w)} ${value}${where}` : `works ${prep} ${value}`;
  if (c.neg) {
    if (c.noLonger) add(ctx, { text: sentence(`${subject(ctx)} no longer ${says}`), slot: "occupation", value, retract: true, importance: 0.8 });
    return true;
  }
  add(ctx, { text: sentence(`${subject(ctx)} ${says}`), slot: "occupation", value, importance: 0.8 });
  return true;
}

/** "I have two kids", "I have a cat named Milo and a dog called Rex" */
function relations(rest: Tok[], ctx: Ctx): boolean {
  let found = false;
  for (let k = 0; k < rest.length; k++) {
    const kind = lemma(rest[k]);
    const named = /^(named|called)$/.test(rest[k + 1]?.w ?? "");
    // a pet is an animal we know, or anything not a person that has a name: "a golden retriever called Max"
    const pet = PETS.has(kind) || (named && !is(rest[k], "Actor") && !NOT_JOBS.has(kind));
    if (!is(rest[k], "Noun") || !(FAMILY.has(kind) || pet)) continue;
    // "a dog walking business", "a child prodigy": the word only describes the noun after it
    const after = rest[k + 1];
    if (!named && (is(after, "Noun") || is(after, "Gerund")) && !/[,;.!]/.test(rest[k].post) && !isProper(after) && !isPronoun(after) && !THIRD_PERSON[after!.w]) continue;
    let q = k - 1;
    while (q >= 0 && is(rest[q], "Adjective")) q--;
    const count = rest[q];
    if (!count || !(indefinite(count) || is(count, "Value"))) continue;
    // "a cat, Spook", "two cats, Miso and Tofu": the names right after a comma are theirs too
    const apposed = !named && rest[k].post.includes(",") && isProper(rest[k + 1]);
    const name = named || apposed ? namesFrom(rest.slice(k + (named ? 2 : 1)), !indefinite(count)) : undefined;
    // ("a few kids", "a couple kids": the "a" goes with the count)
    const many = /^(few|couple)$/.test(count.w) && /^an?$/.test(rest[q - 1]?.w ?? "") ? `a ${count.text}` : count.text;
    relation(kind, /^an?$/.test(count.w) ? "a" : many, name, ctx, words(rest.slice(q + 1, k + 1)));
    found = true;
    // "a sister who's a nurse", "a son who is in high school": what the clause says of them (one of them)
    const verb = /^(who|that)$/.test(after?.w ?? "") ? rest[k + 2] : undefined;
    if (indefinite(count) && (is(verb, "Copula") || (isVerb(verb) && !is(verb, "Auxiliary")))) {
      const said = cut(rest.slice(k + 2));
      if (said.length > 1) add(ctx, { text: say(`${possessive(ctx)} ${words(rest.slice(q + 1, k + 1))}`, said, said[0], ctx, false), importance: 0.6 });
    }
  }
  return found;
}

/** "…with my dog Rex", "Just me and my cat Mochi": whoever the user names as theirs, the user has */
function kinNamed(toks: Tok[], ctx: Ctx): void {
  // (not one the user had: "My dog Rex died last year")
  if (toks.some((t) => /^(died|passed|dead|late|lost|buried|funeral)$/.test(t.w))) return;
  toks.forEach((t, k) => {
    const kind = t.w === "my" && toks[k + 1] ? lemma(toks[k + 1]) : "";
    // ("my dad, Kira": Kira may be the one spoken to; "my dog, Trooper" is the dog)
    if (!(FAMILY.has(kind) || PETS.has(kind)) || is(toks[k + 1], "Plural") || (toks[k + 1].post.trim() && !PETS.has(kind)) ||
      !isProper(toks[k + 2]) || isProper(toks[k + 3])) return;
    // ("my daughter Sara's recital": Sara)
    const name = capitalize(toks[k + 2].text.replace(/['’]s$/i, ""));
    if (!ctx.facts.some((f) => f.slot === kinSlot(kind, name))) relation(kind, "a", name, ctx);
  });
}

function relation(kind: string, count: string, name: string | undefined, ctx: Ctx, said = kind): void {
  // ("an uncle", "an older brother": the article goes with the word after it)
  const article = count === "a" && /^[aeiou]/i.test(said) ? "an" : count;
  add(ctx, {
    text: sentence(`${subject(ctx)} has ${article} ${said}${name ? ` named ${name}` : ""}`),
    slot: kinSlot(kind, name), value: name ?? count, importance: FAMILY.has(kind) ? 0.8 : 0.7,
  });
}

/**
 * "I think so", "I see what you mean", "I heard that…": talk. But "I see the Rolling Stones in concert
 * every year" and "I heard some old songs from a bard" are not.
 */
function opinion(c: Clause): boolean {
  const [first, second] = c.rest;
  // "I'm thinking about starting a band": a plan; "I've known Jake for 4 years": how long
  if (c.lemma === "think" && /^(about|of)$/.test(first?.w ?? "") && is(second, "Gerund")) return false;
  if (c.lemma === "know" && c.rest.some((t, k) => /^(for|since)$/.test(t.w) && (is(c.rest[k + 1], "Value") || is(c.rest[k + 1], "Date")))) return false;
  // "I had to say goodbye to Max": a farewell to someone named, not talk
  if (c.lemma === "say" && /^(goodbye|farewell)$/.test(first?.w ?? "") && c.rest.some(isProper)) return false;
  // "I believe in community": what the user values, not an opinion of the moment
  if (c.lemma === "believe" && first?.w === "in" && c.rest.slice(1).some(isContent)) return false;
  if (c.lemma !== "see" && c.lemma !== "hear") return OPINION_VERBS.has(c.lemma);
  if (!c.rest.some(isContent) || /^(what|that|how|why|if|you|it|this|so)$/.test(c.rest[0]?.w ?? "")) return true;
  // what the user heard said ("I heard there is…", "I've heard good things about…", "I heard it's great"): hearsay
  // (what was heard ends at the first comma: "I heard a talk, and it was great" heard no "was great")
  const heard = c.rest.slice(0, c.rest.findIndex((t) => t.post.includes(",")) + 1 || undefined);
  return c.lemma === "hear" && (/^(ya|about|of|from|back|they|he|she|them|there|good|great|lots|many|things)$/.test(c.rest[0].w) || heard.some((t) => is(t, "Copula")));
}

/** "I want to become a pilot", "I'm planning to visit Japan", "I'm going to learn guitar", "I'd love to …" */
function goal(c: Clause, modal: string | undefined, future: boolean, ctx: Ctx): boolean {
  const { lemma: verb, rest } = c;
  const toVerb = rest[0]?.w === "to" && isVerb(rest[1]);
  let target: Tok[] | null = null;
  if (toVerb && (GOAL_VERBS.has(verb) || (modal === "would" && (verb === "like" || verb === "love"))) && (!modal || modal === "would")) {
    target = rest.slice(1);
  } else if (future && !modal && (!PASSING_PLANS.has(verb) || rest.some((t) => is(t, "Date")))) {
    // "I'm going to see the Rolling Stones next month": a plan with a date is a plan
    target = c.toks.slice(c.mainAt);
  } else if (modal === "will" && !c.neg && !PASSING_PLANS.has(verb) && !OPINION_VERBS.has(verb) && rest.some((t) => is(t, "Date") || t.w === "soon")) {
    // "I'll visit my aunt in Lisbon next month", "I'll have to look into shelters soon": a plan with a time
    target = c.toks.slice(c.mainAt);
  }
  if (!target || !target.some((t) => isContent(t) || (isVerb(t) && !PASSING_PLANS.has(lemma(t)))) || (modal && c.neg)) return false;
  const text = render(c, ctx, false);
  if (!text) return true;
  // "I wanted to capture the light": what the user meant to do then, not a goal they have
  if (is(c.toks[c.verbAt], "PastTense") && !future) add(ctx, { text, importance: 0.4 });
  else add(ctx, { text, slot: `goal:${key(cut(target))}`, retract: c.neg || undefined, importance: 0.7 });
  return true;
}

/** "I love hiking, camping and fishing", "I don't like coffee anymore", "I'm a big fan of jazz" (verb "fan"), "I'm into jazz" ("into") */
function preference(c: Clause, verb: string, toks: Tok[], ctx: Ctx): void {
  // "I like to race my motorbike, and it's red", "…, and this one is my favorite": what follows "and it" is about the thing, said on its own
  // ("I love PvP, it's so fun": after a comma too, without "and")
  const about = (t: Tok | undefined) => /^(it|that|he|she|they|this|these|those|there)$/.test(t?.w ?? "");
  const and = toks.findIndex((t, k) => k > 0 && ((JOINERS.has(t.w) && about(toks[k + 1])) || (toks[k - 1].post.includes(",") && about(t) && isVerb(toks[k + 1]))));
  if (and > 0) {
    const said = JOINERS.has(toks[and].w) ? and + 1 : and;
    preference(c, verb, toks.slice(0, and), ctx);
    ctx.thing = objectOf(c.toks.slice(0, c.toks.indexOf(toks[and])), ctx) ?? ctx.thing;
    return statement(toks.slice(said), ctx);
  }
  const object = cut(toks.filter((t) => !ASIDES.has(t.w)));
  // "I love to cook": the activity is the thing liked
  const activity = object[0]?.w === "to" && isVerb(object[1]) && !LIGHT_VERBS.has(lemma(object[1]));
  if (!(activity || object.some(isContent)) || isPronoun(object[0]) || DEMONSTRATIVES.has(object[0].w)) return;
  const being = verb === "into" ? "into" : verb === "fan" ? "a fan of" : "";
  const says = being
    ? `is ${c.noLonger ? "no longer " : c.neg ? "not " : ""}${being}`
    : c.noLonger ? `no longer ${formOf(verb, "PresentTense")}` : c.neg ? `doesn't ${verb}` : formOf(verb, "PresentTense");
  // ("Love you guys, thanks for always being there": thanks tacked on is no second thing liked)
  for (let item of listItems(object).filter((item) => !TALK.test(item.map((t) => t.text).join(" ")))) {
    // ("fantasy games, especially Skyrim": the one singled out, liked as well)
    if (item.length > 1 && SINGLING_OUT.has(item[0].w)) item = item.slice(1);
    // ("I don't like cats anymore, dogs all the way": the one the user is for, after the one they are not)
    const allTheWay = item.length > 3 && item.slice(-3).map((t) => t.w).join(" ") === "all the way";
    if (allTheWay) item = item.slice(0, -3);
    const said = allTheWay ? "loves" : says;
    add(ctx, { text: sentence(`${subject(ctx)} ${said} ${words(item)}`), slot: `pref:${key(item).replace(DOING, "")}`, value: words(item), importance: 0.5 });
  }
}

/** "to go hiking", "to play chess", "listening to jazz": one thing liked with "hiking", "chess", "jazz" (one slot) */
const DOING = /^(?:go|play|listen|watch) (?=\S)/;

const SINGLING_OUT = new Set(["especially", "particularly", "mostly", "mainly", "primarily", "specifically", "notably", "chiefly"]);

/** The clause's modal ("would", "can"…), and whether it is a plan ("going to", "gonna"). */
function modality(c: Clause): { modal?: string; future: boolean } {
  return { modal: c.aux.find((a) => MODALS.has(a) || a === "can"), future: c.aux.includes("going") || c.aux.includes("gonna") };
}

/** "I may have found…", "I might have broken…": what the user thinks happened, hedged but no wish nor plan. */
const hedgedPast = (c: Clause) => !c.neg && c.aux.some((a) => a === "may" || a === "might") && c.aux.includes("have") && !c.aux.includes("to") &&
  c.lemma !== "be" && (is(c.toks[c.mainAt], "PastTense") || is(c.toks[c.mainAt], "Participle"));
/**
 * Whether a clause's modal leaves it a fact: none; "can" ("I can swim", "I can't have dairy": what the
 * user can do); or "may have" ("I may have found a job", with its hedge). "I could…", "I should…" are not.
 */
const factual = (c: Clause, modal: string | undefined) => !modal || modal === "can" || hedgedPast(c);

/** what a player does or does not do, said alone: "I don't drink", "I smoke", "I don't drive" */
const HABITS = new Set(["drink", "smoke", "vape", "drive", "swim", "gamble", "dance", "cook", "sing", "fish", "hunt", "ski", "surf", "skate", "knit", "bake", "garden"]);
/** what may follow a habit: "I don't drink anymore", "I don't smoke at all" */
const HABIT_TAILS = new Set(["anymore", "at", "all", "much", "either", "often", "really", "ever", "though", "now", "alcohol"]);
/** A first-person statement that is worth remembering at all. */
function lasting(c: Clause, modal: string | undefined, future: boolean): boolean {
  if (opinion(c) || future) return false;
  if (!factual(c, modal)) return false;
  const hasContent = c.rest.some(isContent);
  // "I've been painting a lot lately": an activity kept up, said without an object (but with how or when)
  if (!hasContent && !c.neg && c.rest.length > 0 && c.aux.includes("been") && is(c.toks[c.mainAt], "Gerund") &&
    ![LIGHT_VERBS, OPINION_VERBS, CHAT_VERBS].some((set) => set.has(c.lemma))) return true;
  // "I'm good", "I'm so sure", "I'm doing OK": how the user is right now
  const state = c.lemma === "be" ? c.toks.slice(c.mainAt + 1, c.toks.indexOf(c.rest[0]) + 1) : hasContent ? [] : [c.toks[c.mainAt]];
  // "I'm in the army", "I'm in my thirties" (but "I'm in!", "I'm in the kitchen")
  const belongs = c.lemma === "be" && c.rest[0]?.w === "in" && c.rest.some((t) => isContent(t) && !MOMENTARY.has(t.w));
  if ((!belongs && state.some((t) => PASSING_STATES.has(t.w))) || (c.lemma === "be" && !c.rest.length)) return false;
  // "I don't drink", "I smoke": a habit, said with no object (and with nothing after it: "I don't surf,
  // but reading…" is read whole)
  if (HABITS.has(c.lemma) && c.rest.every((t) => HABIT_TAILS.has(t.w)) && !is(c.toks[c.mainAt], "Gerund") && !is(c.toks[c.mainAt], "PastTense") &&
    !/[,;:-]/.test(c.toks[c.toks.length - 1].post)) return true;
  // "I got promoted", "I'm retired": a passive needs no object (nor does "I got married today": when is no object)
  const passive = c.mainAt > c.verbAt && !FEELINGS.has(c.toks[c.mainAt].w) && (/^(got|was|were)$/.test(c.toks[c.verbAt].w) || is(c.toks[c.verbAt], "Copula"));
  if (c.rest.length === 0 || (passive && c.rest.every(timeWord))) return passive;
  // "I'm shy", "I'm very lonely", "I'm left-handed": what the user is like (not a mood of the moment)
  // (a hyphened word is one: "left-handed")
  const oneWord = c.rest.length === 1 || c.rest.slice(0, -1).every((t) => t.post === "-");
  const like = c.rest[c.rest.length - 1];
  if (c.lemma === "be" && oneWord && is(like, "Adjective") && !is(like, "Comparable") &&
    ![PASSING_STATES, FEELINGS, MOODS, CHAT_STATES].some((set) => set.has(like.w))) return true;
  // "I'm a feminist" (tagged as an adjective): who the user is
  const last = c.rest[c.rest.length - 1];
  if (c.lemma === "be" && !c.neg && indefinite(c.rest[0]) && c.rest.length <= 3 && (is(last, "Adjective") || is(last, "Noun")) && !/^(fan|mess|fool|joke|wreck)$/.test(last.w) && !VAGUE_NOUNS.has(last.w)) {
    return true;
  }
  // "I love that song" needs the talk around it; "I've known these friends for 4 years" does not
  const thing = c.rest.findIndex(isContent), when = c.rest.some((t) => is(t, "Date") || is(t, "Duration"));
  return thing >= 0 && (when || !DEMONSTRATIVES.has(c.rest[thing - 1]?.w ?? ""));
}

function general(c: Clause, ctx: Ctx, action: boolean): void {
  const text = render(c, ctx, false);
  if (text) add(ctx, { text, importance: action ? 0.5 : 0.4 });
}

/**
 * A sentence about the user that no rule above took, said in the third person as a whole:
 * "The guild has given me courage to speak up." Talk, opinions and sentences with
 * too little in them are left out.
 */
function statement(said: Tok[], ctx: Ctx): void {
  const toks = trimLeading(said);
  if (toks.length < 3 || TALK.test(toks.map((t) => t.text).join(" "))) return;
  // "It made me…" right after "I read Dune": "Dune made the user…";
  // "He's in high school" right after "I spend time with my son": "The user's son is in high school"
  // (a day counts: "We went to Berlin yesterday" says as much as "… last week")
  // ("went biking": going to do something is an activity, and says as much as a day)
  const outing = toks.some((t, k) => isVerb(t) && lemma(t) === "go" && is(toks[k + 1], "Gerund")) ||
    // ("We had to say goodbye to Max": a farewell says as much)
    toks.some((t, k) => /^(goodbye|farewell)$/.test(t.w) && isVerb(toks[k - 1]) && lemma(toks[k - 1]) === "say");
  const thing = ctx.thing, head = toks[0].w, content = toks.filter((t) => isContent(t) || is(t, "Date")).length + (outing ? 1 : 0);
  // (a thing: the last sentence's subject, or one named with an article, a name, or the user's own;
  // in "I get so much joy from it. It helps me…", "it" is no "joy")
  const definite = !!thing && (thing.own || thing.subject || isProper(thing.toks[0]) || /^(the|a|an)$/.test(thing.toks[0].w));
  // "They've been supportive" right after "I told my parents": the user's own people, in the plural
  const group = thing?.toks[thing.toks.length - 1];
  const they = head === "they" && !!thing?.own && thing.kind !== "thing" && (is(group, "Plural") || /^(family|team|crew|folks|group|band|class)$/.test(group?.w ?? ""));
  // ("It's empowering to know…", "It was great that…": an "it" that stands for what follows, no thing)
  // ("It was interesting hearing…": a gerund after the adjective, likewise)
  const ahead = head === "it" && is(toks[1], "Copula") && toks.slice(2, 5).some((t, q) => (is(t, "Adjective") || is(t, "Gerund")) &&
    (/^(to|that)$/.test(toks[q + 3]?.w ?? "") || (is(t, "Adjective") && /^\w{3,}ing$/.test(toks[q + 3]?.w ?? ""))));
  // ("They both live in Chicago": a word between the pronoun and its verb)
  const verbNext = asVerb(toks[1]) || (head === "they" && /^(both|all)$/.test(toks[1]?.w ?? "") && asVerb(toks[2]));
  const resolved = !!thing && !ahead && verbNext && (definite || thing.kind !== "thing") &&
    ((head === "it" || head === "that") && thing.kind === "thing" || (head === "he" || head === "she") && thing.kind !== "thing" || they);
  // "It really bugged me.", "That's what keeps me going.", after a statement of this turn's that "it" is
  // not a thing of: it goes on with that statement
  const dangling = !resolved && (head === "it" || head === "that") && ctx.facts.length > ctx.from && toks.some((t) => /^(i|me|my|myself)$/.test(t.w));
  if (resolved) toks.splice(0, 1, ...thing!.toks.map((t, k) => ({ ...t, first: k === 0 && !isProper(t) })));
  // "This necklace is special to me": the thing is named, as "the necklace"
  else if (!dangling && DEMONSTRATIVES.has(head) && namesThing(toks)) toks.splice(0, 1, { ...toks[0], text: "the", w: "the" });
  // "Here's a pic…", "Seeing them…": what it is about was said elsewhere (a dangling one is said as a whole, below)
  else if (!dangling && /^(it|its|here|there|they|them|that|this|these|those|seeing|let|which|what|he|she)$/.test(head)) return;
  // "Check out my painting": asked of the character, not said of the user
  else if (is(toks[0], "Imperative") || (is(toks[0], "Infinitive") && !is(toks[0], "Noun"))) return;
  // "Maybe we can hang out sometime": a suggestion
  else if (/^(maybe|perhaps)$/.test(head)) return;
  // "Made me proud…": "it" left out, and what it is was said before; "Had that show…", "Was nervous…",
  // "Hoping my script gets noticed": "I" left out ("I am" before a gerund)
  // ("Been so busy moving house": "I have"; but "Been quite a ride" says nothing of the user)
  // ("Just skyped with…": an adverb first)
  else if (SOFT_LEADS.has(head) && is(toks[1], "PastTense") && !is(toks[1], "Auxiliary") && !is(toks[1], "Participle") && !toks.some((t) => t.w === "me")) {
    toks.splice(0, 1, synthetic("I", "Pronoun"), { ...toks[0], text: toks[0].text.toLowerCase(), first: false });
  }
  else if ((is(toks[0], "PastTense") || doing(toks)) && !is(toks[0], "Auxiliary") && (head !== "been" || toks.slice(1, 4).some((t) => is(t, "Gerund") || /ing$/.test(t.w)) ||
    // ("Been vegan for 5 years": what the user has been, and for how long)
    // ("Been sober three years now": how long without a "for")
    (!is(toks[1], "Gerund") && !isPronoun(toks[1]) && !/^(there|here|up|out|away|home|busy|around)$/.test(toks[1].w) &&
      (/^(for|since)$/.test(toks[2]?.w ?? "") || (is(toks[2], "Value") && /^(years?|months?|weeks?)$/.test(toks[3]?.w ?? "")))))) {
    if (toks.some((t) => t.w === "me")) return;
    const aux = head === "been" ? [synthetic("have", "Verb", "Auxiliary")] : is(toks[0], "Gerund") ? [synthetic("am", "Verb", "Copula")] : [];
    toks.splice(0, 1, synthetic("I", "Pronoun"), ...aux, { ...toks[0], text: toks[0].text.toLowerCase(), first: false });
  }
  // too little said, unless it is said of the user's own: "It's red." after "my motorbike"
  // (the last sentence's subject, put for "it", counts: "Baking gives me joy. It helps me unwind.")
  // (what "it" did to the user needs nothing more: what it goes on about was said before)
  // ("I'm determined to make it happen", after a statement of this turn's: little alone, but it goes on with that one)
  const thin = !dangling && ctx.facts.length > ctx.from && toks.some((t, k) => k > 0 && /^(it|this|that)$/.test(t.w)) && toks.some((t) => /^(i|me|my)$/.test(t.w));
  const little = content + (resolved && (thing!.subject || they) ? 1 : 0) < (resolved && thing!.own ? 1 : 2);
  if (little && !dangling && !thin) return;
  // what this statement adds, marked when it may only go on with the one before (dangling) or says
  // more of what that one was about (goesOn): continued() reads the marks at the turn's end
  const start = ctx.facts.length;
  const mark = () => {
    for (const f of ctx.facts.slice(start)) {
      if (dangling || (thin && content < 2)) ctx.dangling.add(f);
      if (resolved && thing!.subject) ctx.goesOn.add(f);
    }
  };
  const c = dangling ? null : analyze(toks);
  const moment = ofTheMoment(c, toks, ctx);
  if (c) {
    const { modal, future } = modality(c);
    if (!opinion(c) && !future && factual(c, modal) && !(c.lemma === "be" && c.rest.length < 2)) {
      during(ctx, moment, () => general(c, ctx, false));
    }
    return mark();
  }
  // "It reminded me of…", "Last weekend, I…", "We went camping": the user is named where they appear
  // (a sentence about the user's own thing is about the user too: "The user's motorbike is red")
  if (!(resolved && thing!.own) && !toks.some((t) => /^(i|me|my|myself|we|our|us)$/.test(t.w))) return;
  // ("Once, years ago, with my dad.": no verb, no statement)
  if (!toks.some(isVerb)) return;
  // too long: cut at the last comma that keeps most of it, or back to the last word that names something
  // ("…almond milk instead, and it has been a fun challenge seeing…" → "…almond milk instead")
  let end = Math.min(toks.length, MAX_WORDS);
  if (end < toks.length) {
    let comma = end - 1;
    while (comma >= 0 && !/[,;]/.test(toks[comma].post)) comma--;
    if (comma >= MAX_WORDS * 0.6) end = comma + 1;
    else while (end > 1 && !isContent(toks[end - 1]) && !is(toks[end - 1], "Date")) end--;
  }
  // ("Going to the fair with my sister was fun": the first "my", before any "I" or "me", names the user;
  // "My family is awesome - me, the missus…": "The user's family… - the user, the missus…")
  const self = toks.findIndex((t) => /^(i|me|myself|my)$/.test(t.w)), mine = toks[self]?.w === "my" ? self : -1;
  // ("…let me express myself": once the user is named, "myself" is "themselves")
  const asNamed = (t: Tok, k: number): Tok => (t.w === "myself" && k > self ? synthetic("themselves", "Pronoun")
    : t.w === "me" || t.w === "myself" ? synthetic(object(ctx), "ProperNoun") : k === mine ? usersOwn(ctx) : t);
  const named = toks.slice(0, end).map((t, k) => { const u = asNamed(t, k); return u === t ? t : { ...u, post: t.post }; });
  const { toks: timed } = datesOf(named, ctx.day);
  during(ctx, moment, () => add(ctx, { text: sentence(words(timed, -1, object(ctx))), importance: 0.3 }));
  mark();
}

/**
 * The first thing a sentence names after its verb, when it names one: "I read Dune" →
 * "Dune"; "I walk my dog" → "the user's dog" (the user's own).
 */
function objectOf(toks: Tok[], ctx: Ctx): Thing | undefined {
  const v = toks.findIndex((t) => isVerb(t));
  for (let k = Math.max(v, 0) + 1; k < toks.length; k++) {
    if (!isContent(toks[k]) || is(toks[k], "Gerund")) continue;
    // ("two older brothers": a count goes with the thing counted)
    if (is(toks[k], "Value") && (is(toks[k + 1], "Adjective") || is(toks[k + 1], "Noun"))) continue;
    let start = k;
    while (start > 0 && (is(toks[start - 1], "Adjective") || is(toks[start - 1], "Noun") || is(toks[start - 1], "Determiner")) && !isPronoun(toks[start - 1]) && !THIRD_PERSON[toks[start - 1].w]) start--;
    let end = k + 1;
    while (end < toks.length && isContent(toks[end]) && !/[,;.!]/.test(toks[end - 1].post)) end++;
    const np = toks.slice(start, end).map((t, q) => (q === 0 && DEMONSTRATIVES.has(t.w) ? { ...t, text: "the", w: "the" } : t));
    np[np.length - 1] = { ...np[np.length - 1], post: " " };
    const head = lemma(np[np.length - 1]);
    // ("my friend Sam": the name is the head, the kind is a friend's)
    const kind = kindOf(np.map((t) => (t === np[np.length - 1] ? head : lemma(t))));
    // "my dog", "I have a dog": the user's dog
    // ("I have one daughter", "two older brothers": the user's too)
    const counted = toks[start - 1]?.w === "one" || is(toks[start - 1], "Value") || is(np[0], "Value");
    const had = v >= 0 && lemma(toks[v]) === "have" && !is(toks[v], "Auxiliary") && (indefinite(np[0]) || counted);
    if (toks[start - 1]?.w === "my" || had) return { toks: [usersOwn(ctx), ...(had && !counted ? np.slice(1) : np)], own: true, kind };
    return { toks: indefinite(np[0]) ? [{ ...np[0], text: "the", w: "the" }, ...np.slice(1)] : np, own: false, kind };
  }
  return undefined;
}

/**
 * "Baking gives me so much joy.": a sentence's subject when it names a thing ("it" in the next one is
 * baking, not joy); "My art is about…": the user's own ("It's my way of…" is their art).
 */
function subjectOf(toks: Tok[], ctx: Ctx): Thing | undefined {
  // ("Dancing helps me": "helps", taken for a plural noun, is the verb when an object follows it)
  const v = toks.findIndex((t, k) => k > 0 && ((isVerb(t) && !is(t, "Gerund")) || (asVerb(t) && (isPronoun(toks[k + 1]) || is(toks[k + 1], "Determiner")))));
  const mine = toks[0]?.w === "my" ? 1 : 0;
  // ("My sister just moved…": an adverb before the verb is no part of who did it)
  let end = v;
  while (end > mine + 1 && (SOFT_LEADS.has(toks[end - 1].w) || /^(always|never|finally|recently)$/.test(toks[end - 1].w))) end--;
  const np = toks.slice(mine, end);
  if (end < 1 + mine || end > 3 + mine || !isContent(np[np.length - 1]) || np.some((t) => isPronoun(t) || THIRD_PERSON[t.w] || !(isContent(t) || is(t, "Adjective") || is(t, "Determiner")))) return undefined;
  const words = np.map((t, k) => ({ ...t, first: k === 0 && !mine, post: k === np.length - 1 ? " " : t.post }));
  if (!mine) return { toks: words, own: false, kind: "thing", subject: true };
  return { toks: [usersOwn(ctx), ...words], own: true, kind: kindOf(np.map(lemma)), subject: true };
}

/** A game event as something the user did: "completed the quest" → "I completed the quest". */
function doneByUser(text: string): string {
  const said = text.replace(/^\s*(the player|player|the user|user|you)\b/i, "I").trim();
  return /^i\b/i.test(said) ? said : `I ${lowerFirst(said)}`;
}

/** A game event: something the user did, dated. */
function eventFact(text: string, toks: Tok[] | undefined, ctx: Ctx): void {
  const c = toks && analyze(toks);
  const rendered = c ? render(c, ctx, true, Infinity) : "";
  add(ctx, { text: rendered || `${subject(ctx)} had the game event "${text.trim().replace(/[.!]+$/, "")}" on ${ctx.day}.`, importance: 0.6 });
}

/** The answer to "What's your name?" or "How old are you?" on its own. */
/**
 * "What's your favorite food?" — "Pizza, for sure! What's yours?": a short answer that names it, with
 * no "I" or "my" of its own (those sentences the other rules read), is the user's favorite.
 */
/** "How often do you all work out together?" "Three times a week." → "Jordan and others work out together three times a week." */
function oftenAnswer(asked: string, text: string, ctx: Ctx): boolean {
  const q = HOW_OFTEN.exec(asked), a = FREQUENCY.exec(text);
  if (!q || !a) return false;
  if (/\byou\b/i.test(q[2])) return false;
  const [verb, ...rest] = youAsThey(q[2].trim()).split(" ");
  if (OPINION_VERBS.has(verb.toLowerCase())) return false;
  const who = q[1] ? `${subject(ctx)} and others` : subject(ctx);
  const does = q[1] ? verb : formOf(verb.toLowerCase(), "PresentTense");
  add(ctx, { text: sentence(`${who} ${[does, ...rest].join(" ")} ${lowerFirst(a[1])}`), importance: 0.5 });
  return true;
}

/** "How long have you been painting?" "Since I was 17 or so." → "Jordan has been painting since they were 17 or so." */
function longAnswer(asked: string, text: string, ctx: Ctx): boolean {
  const q = HOW_LONG.exec(asked), a = DURATION.exec(text);
  if (!q || !a || /\byou\b/i.test(q[1])) return false;
  const doing = youAsThey(q[1].trim());
  const since = a[1].replace(/\bI was\b/gi, "they were").replace(/\bI\b/g, "they").replace(/\bmy\b/gi, "their");
  if (FIRST_PERSON.test(since)) return false;
  const lower = lowerFirst(since);
  const how = /^(since|for)\b/.test(lower) ? lower : `for ${lower}`;
  add(ctx, { text: sentence(`${subject(ctx)} has been ${doing} ${how}`), importance: 0.5 });
  return true;
}

function favoriteAnswer(asked: Turn, text: string, sentences: Tok[][], ctx: Ctx): boolean {
  const thing = favoriteAsked(asked.text);
  if (!thing || SELF.test(text)) return false;
  const said = sentences.filter((s) => !/\?$/.test(s.map((t) => t.text + t.post).join("").trim()));
  if (said.length !== 1) return false;
  let k = 0;
  while (k < said[0].length && (LEADING.has(said[0][k].w) || HEDGING.has(said[0][k].w) || is(said[0][k], "Expression"))) k++;
  const value = untilComma(cut(said[0].slice(k)), 0);
  // "Pizza for sure", "Jazz, really"
  const tail = value.map((t) => t.w).join(" ").match(/\s(?:for sure|hands down|really|honestly|though)$/)?.[0];
  if (tail) value.splice(value.length - tail.trim().split(" ").length);
  // a one-word answer compromise may tag as anything ("Jazz." as a verb): a word that is not talk will do
  // ("Not really.": no favorite)
  if (/^(not|no|never|nah|nope|none|nothing)$/.test(value[0]?.w ?? "")) return false;
  const one = value.length === 1 && /^\p{L}[\p{L}-]+$/u.test(value[0].w) && !isPronoun(value[0]) && !TALK.test(value[0].w) &&
    !VAGUE_NOUNS.has(value[0].w) && !NON_ANSWERS.has(value[0].w);
  if (!one && (!value.length || value.length > 5 || !value.some((t) => isContent(t) || is(t, "Adjective") || is(t, "Date")) || value.some(isVerb))) return false;
  add(ctx, { text: sentence(`${possessive(ctx)} favorite ${thing} ${pluralWord(thing) ? "are" : "is"} ${words(value)}`), slot: `pref:favorite ${thing}`, value: words(value), importance: 0.5 });
  return true;
}
/** "what's your favorite food", "what is your favourite kind of music" */
const FAVORITE_ASKED = /\bwhat(?:'s|\s+is|\s+are)\s+your\s+(?:fav(?:ou?rite|e)|most\s+loved)\s+([a-z]+(?:\s+(?!is\b|are\b)[a-z]+){0,2})\s*\?/i;
/** what "What's your favorite…?" asks the favorite of: "food", "music" (not "kind of music"); undefined for another question */
// ("What's your favorite class to play?": the class)
const favoriteAsked = (question: string) => FAVORITE_ASKED.exec(question)?.[1]?.toLowerCase().replace(/\s+/g, " ").replace(/^(kind|type|sort) of /, "").replace(/ to [a-z]+$/, "");
/** one-word replies that name nothing */
const NON_ANSWERS = new Set(["nothing", "everything", "anything", "none", "same", "yours", "idk", "dunno", "depends", "yes", "no", "yeah", "nope", "sure", "hmm"]);
/** words that soften an answer: "Definitely pizza", "Probably winter" */
const HEDGING = new Set(["definitely", "probably", "maybe", "hmm", "hm", "um", "uh", "oh", "easily", "gotta", "be"]);

function answer(asked: Turn, text: string, ctx: Ctx): boolean {
  // the fact comes from the question too
  const seq = ctx.seq;
  ctx.seq = [asked.seq, ...seq];
  // how often and how long: read from the answer's start, however long it goes on; a turn of more
  // than that one sentence is read on as usual
  const timed = oftenAnswer(asked.text, text, ctx) || longAnswer(asked.text, text, ctx);
  if (timed || text.length > 60) {
    ctx.seq = seq;
    return timed && !severalSentences(text);
  }
  const sentences = sentencesOf(text);
  // "Originally from Seoul, but I live in Toronto now.": the answer is before "but"; what follows is read as usual
  const but = sentences.length === 1 ? sentences[0].findIndex((t, k) => k > 0 && t.w === "but") : -1;
  const said = but > 0 ? sentences[0].slice(0, but) : sentences[0];
  const toks = sentences.length === 1 ? said.filter((t) => !LEADING.has(t.w) && !/^(it|is|am|i|name|my|'s)$/.test(t.w)) : [];
  const done = favoriteAnswer(asked, text, sentences, ctx) || (toks.length > 0 && (
    (NAME_ASKED_OF_USER.test(asked.text) && nameIs(toks, ctx, false)) ||
    (AGE_ASKED.test(asked.text) && ageIs(toks, ctx, false)) ||
    placeAnswer(asked.text, toks, ctx)));
  ctx.seq = seq;
  return done && but < 0;
}

/** "Where are you from?" "Portland, Oregon!"; "Where do you live?" "In Leeds." : a place alone answers. */
function placeAnswer(asked: string, toks: Tok[], ctx: Ctx): boolean {
  const from = WHERE_FROM.test(asked);
  if (!from && !WHERE_LIVE.test(asked)) return false;
  const place = toks.filter((t) => !/^(from|in|live|come|originally|actually|right|now)$/.test(t.w));
  if (!place.length || place.length > 4 || !place.every(isProper)) return false;
  if (from) placed(ctx, "origin", "is from", words(place), 0.7);
  else placed(ctx, "home", "lives in", words(place), 0.8);
  return true;
}

// ---- saying it ----

/** An "I …" clause in the third person (see `say`). */
function render(c: Pick<Clause, "toks" | "verbAt">, ctx: Ctx, dated: boolean, max = MAX_WORDS): string {
  return say(subject(ctx), c.toks.slice(1), c.toks[c.verbAt], ctx, dated, max);
}

/**
 * A statement in the third person: `who` (the user's name, "The user", "Jordan's") then the words,
 * with `verb` agreeing with a singular subject, "my/me/mine" as "their/them/theirs", relative days
 * as dates, and the date of the turn when `dated` and nothing else says when. Empty when nothing
 * worth saying fits in `max` words.
 */
/** "him", "them", or "her" not before what is hers ("her up", "her to the vet"; not "her leg") */
const isObjectPronoun = (t: Tok, next: Tok | undefined) =>
  t.w === "him" || t.w === "them" || (t.w === "her" && !(is(next, "Noun") || is(next, "Adjective") || is(next, "Value")) || t.w === "her" && !next);
const FEMALE = new Set(["mom", "mother", "mum", "sister", "daughter", "wife", "girlfriend", "aunt", "niece", "grandma", "grandmother", "gf"]);
const MALE = new Set(["dad", "father", "brother", "son", "husband", "boyfriend", "uncle", "nephew", "grandpa", "grandfather", "bf"]);
/** whether "him", "her" or "them" can be `who` (a mother is no "him"; "them" is several: "my kids", "cats") */
function fits(who: Thing, pronoun: string): boolean {
  const heads = who.toks.map((t) => lemma(t)), several = is(who.toks[who.toks.length - 1], "Plural");
  if (pronoun === "them") return several;
  return !several && !heads.some((w) => (pronoun === "him" ? FEMALE : MALE).has(w));
}
/**
 * `toks` with an object "him", "her" or "them" said as the person or pet the turn just named: "My cat Luna is
 * sick, I'm taking her to the vet" → "…taking Luna to the vet"; "My sister is visiting, I'm picking
 * her up" → "…picking my sister up". By name when there is one.
 */
function withWho(toks: Tok[], ctx: Ctx): Tok[] {
  const who = ctx.who;
  if (!who) return toks;
  const named = who.toks.slice(who.own ? 1 : 0).filter(isProper);
  const says = named.length ? named : who.own ? [synthetic("my"), ...who.toks.slice(1)] : who.toks;
  return toks.flatMap((t, k) => (k > 0 && isObjectPronoun(t, toks[k + 1]) && fits(who, t.w)
    ? says.map((x, q) => ({ ...x, first: false, post: q === says.length - 1 ? t.post : " " })) : [t]));
}

function say(who: string, body: Tok[], verb: Tok | undefined, ctx: Ctx, dated: boolean, max = MAX_WORDS): string {
  const at = verb ? body.indexOf(verb) : 0;
  if (body.length > max - 2) {
    // cut back to the last noun that fits ("The user" takes two words)
    let end = max - 2;
    while (end > at + 1 && !isContent(body[end - 1])) end--;
    if (end <= at + 1) return "";
    body = body.slice(0, end);
  }
  if (dated) body = body.filter((t, k) => k >= at || !/^(just|recently)$/.test(t.w));
  // ("a healer, a tank and me as the rogue", "Sam and me": one of several is named, not "them")
  body = body.map((t, k) => (t.w === "me" && (/^(and|or)$/.test(body[k - 1]?.w ?? "") ||
    (body[k + 1]?.w === "and" && (isProper(body[k + 2]) || /^(my|the|a|an)$/.test(body[k + 2]?.w ?? "")))) ? synthetic(object(ctx), "ProperNoun") : t));
  const { toks: timed, hasTime } = datesOf(body, ctx.day);
  return sentence(`${who} ${words(timed, verb ? timed.indexOf(verb) : -1)}${dated && !hasTime ? ` on ${ctx.day}` : ""}`);
}

/** Tokens as text in the third person; `verbAt` is conjugated for a singular subject. */
function words(toks: Tok[], verbAt = -1, who?: string): string {
  let out = "", they = false, one = false, before = "";
  const verb = toks[verbAt];
  // "I just beat the boss", "I beat it twice already", "I quit after ten years": a verb whose past is
  // the same word is past after "just" or "already", or before "already", "ago" or "after" some years
  const pastMark = toks.some((t, k) => k > verbAt && (/^(already|ago)$/.test(t.w) ||
    (t.w === "after" && is(toks[k + 1], "Value") && /^(years?|decades?)$/.test(toks[k + 2]?.w ?? ""))));
  // ("I quit the coffee shop": told, it is done; "I always quit halfway" is a habit)
  const quit = verb?.w === "quit" && !toks.some((t) => /^(always|usually|often|never|sometimes|every|will|would|should|might)$/.test(t.w));
  const past = !!verb && (/^(just|already)$/.test(toks[verbAt - 1]?.w ?? "") || pastMark || quit) && formOf(lemma(verb), "PastTense") === verb.w;
  // ("so happy", "so much"; but "…my lifeline so losing it hurt", "so I left": "so" joining two statements stays)
  const joins = (next: Tok | undefined, after: Tok | undefined) => isPronoun(next) || is(next, "Determiner") || next?.w === "that" ||
    is(next, "Gerund") || (/ing$/.test(next?.w ?? "") && (isPronoun(after) || is(after, "Determiner")));
  // ("so far": how far, no intensifier)
  toks = toks.filter((t, k) => !(INTENSIFIERS.has(t.w) && is(t, "Adverb") && !(t.w === "so" && (joins(toks[k + 1], toks[k + 2]) || toks[k + 1]?.w === "far"))));
  verbAt = verb ? toks.indexOf(verb) : -1;
  toks.forEach((t, k) => {
    let w: string;
    if (k === verbAt) w = past ? t.text.toLowerCase() : agree(t, false);
    // "I cook and clean": the second verb of the user's agrees too (not one after "to": "likes to swim and dance")
    else if (verb && !past && k > verbAt + 1 && /^(and|or)$/.test(toks[k - 1].w) && isVerb(t) && !is(t, "Gerund") && !is(t, "PastTense") &&
      !is(t, "Auxiliary") && !is(verb, "PastTense") && !toks.slice(verbAt + 1, k).some((x) => x.w === "to" || isVerb(x) || /[,;.]/.test(x.post))) w = agree(t, false);
    else if ((they || one) && isVerb(t)) { w = agree(t, they); they = one = false; }
    else if (t.w === "i" && who) { w = who; one = true; }
    // "…a concert that we all enjoyed": "we" after the subject is the user and those with them
    else if (t.w === "we" && t.with) { w = `${who ?? "they"} and ${words(t.with)}`; they = true; }
    else if (t.w === "we") { w = who ? `${who} and others` : "they"; they = true; }
    else if (t.w === "us" && t.text === "us" && who) w = "them";
    else if (t.w === "i") { w = "they"; they = true; }
    else if ((t.w === "you" || t.w === "your") && OBJECT_OF.has(before) && !t.contracted &&
      !(t.w === "you" && /^(know|see|guys|all)$/.test(toks[k + 1]?.w ?? ""))) w = t.w === "you" ? "the character" : "the character's";
    // (a name written lowercase is capitalized, but not a person's after "the old": "the old smith" is a smith)
    else w = THIRD_PERSON[t.w] ?? ((is(t, "Place") && is(t, "ProperNoun")) || ((is(t, "FirstName") || is(t, "LastName")) && !is(toks[k - 1], "Determiner") && !is(toks[k - 1], "Adjective")) ? capitalize(t.text)
      // ("Bohemian Rhapsody": a first word that begins a name of capitalised words keeps its capital)
      : t.first && !isProper(t) && !is(t, "Acronym") && !((is(t, "Noun") || is(t, "Adjective")) && /^\p{Lu}/u.test(t.text) && isProper(toks[k + 1]) && /^\p{Lu}/u.test(toks[k + 1].text))
      ? t.text.toLowerCase() : t.text);
    before = w.toLowerCase();
    const last = k === toks.length - 1;
    const p = t.post.trim();
    // ("parents' farm": a plural's possessive keeps its apostrophe)
    out += w + (last ? "" : p.includes(",") ? ", " : /^\s*[—–]\s*$|\s-\s|^-\s/.test(t.post) ? " - " : /^['’]$/.test(p) ? "' " : p === ":" || p === ";" ? `${p} ` : /\s/.test(t.post) || t.contracted || /[.!?;:]/.test(p) ? " " : p);
  });
  return out.replace(/["“”()]/g, "").trim();
}

function agree(t: Tok, plural: boolean): string {
  const irregular: Record<string, string> = plural
    ? { am: "are", was: "were", has: "have", is: "are" }
    : { am: "is", are: "is", were: "was", have: "has", do: "does" };
  if (irregular[t.w]) return irregular[t.w];
  if (plural || is(t, "PastTense") || is(t, "Modal") || is(t, "Gerund") || is(t, "Auxiliary") || is(t, "Copula")) return t.text.toLowerCase();
  // "drew", tagged as present by mistake, stays past
  if (t.w !== lemma(t) && formOf(lemma(t), "PastTense") === t.w) return t.text.toLowerCase();
  return formOf(lemma(t), "PresentTense");
}

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** "yesterday" → "on 2025-03-11", "last year" → "in 2024"; reports whether the clause says when. */
function datesOf(toks: Tok[], day: string): { toks: Tok[]; hasTime: boolean } {
  const out: Tok[] = [];
  let hasTime = false;
  // ("My car broke down on Monday": the Monday before the turn's day; "I'm moving on Friday, I'll…": the one after)
  const when = toks.some((t) => /^(will|gonna|going|tomorrow|next|plan|plans|planning)$/.test(t.w)) ? 1 : toks.some((t) => is(t, "PastTense") && !is(t, "Participle")) ? -1 : 0;
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k], time = relativeTime(toks, k, day, when);
    if (time) {
      // the punctuation after the words it stands for stays: "yesterday, it was fun" → "on 2023-05-07, it was fun"
      out.push({ ...synthetic(time[0], "Date"), post: toks[k + time[1] - 1].post });
      k += time[1] - 1;
    } else out.push(t);
    if (time || is(t, "Date") || is(t, "Year") || /^(ago|when|since)$/.test(t.w)) hasTime = true;
  }
  return { toks: out, hasTime };
}

/** words after which "there" means "to there": "a trip there", "went there" */
const TOWARDS = /^(go|goes|going|went|gone|trip|travel|travell?ed|travell?ing|move|moved|moving|come|came|coming|drive|drove|fly|flew|flying|back|way|visit|get|got)$/;
/** "to Universal Studios", "in Paris": a preposition and a capitalized name after it */
/** (not "talked to Rosa", "said to Sam": someone spoken to) */
const PLACE = /(?<!\b(?:talk|talked|talking|speak|spoke|spoken|say|said|tell|told|write|wrote|sent|send|gave|give|listen|listened|reply|replied|thanks)\s+)\b(to|in|at)\s+((?:[A-Z][\w'-]+)(?:\s+(?:of\s+)?[A-Z][\w'-]+)*)/g;
const STEPS: Record<string, number> = { last: -1, this: 0, next: 1 };
const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

/** the month (0-based) each season starts in (the northern hemisphere's) */
const SEASONS: Record<string, number> = { spring: 2, summer: 5, fall: 8, autumn: 8, winter: 11 };
/**
 * "last summer", "this winter", "next spring" said in month `m` (1-based) of year `y`: "the summer of
 * 2025", "the winter of 2025–26". "this" is the one under way, or else the nearest one.
 */
function season(name: string, step: number, y: number, m: number): string {
  const at = y * 12 + m - 1, start = (year: number) => year * 12 + SEASONS[name];
  const recent = start(y) <= at ? y : y - 1;
  const during = at < start(recent) + 3;
  const year = during ? recent + step : step < 0 ? recent : step > 0 ? recent + 1
    : at - start(recent) <= start(recent + 1) - at ? recent : recent + 1;
  return `the ${name} of ${name === "winter" ? `${year}–${String(year + 1).slice(2)}` : year}`;
}

/** the words a relative time starts with (or a number: "five years ago") */
const TIME_LEADS = new Set(["on", "a", "over", "in", "yesterday", "today", "tonight", "tomorrow", ...Object.keys(STEPS), "about", "around", "roughly", "nearly", "almost", "approximately"]);
/** The date a relative time at `toks[k]` means, and how many tokens say it: "last year" → ["in 2024", 2]. */
function relativeTime(toks: Tok[], k: number, day: string, when = 0): [string, number] | null {
  const w = toks[k].w, next = toks[k + 1]?.w ?? "", step = STEPS[w];
  // (asked of every word: most words start none)
  if (!TIME_LEADS.has(w) && !is(toks[k], "Value")) return null;
  // ("my last year of school", "the next day": whose or which one, not a time from the turn's day)
  if (step !== undefined && k > 0 && (is(toks[k - 1], "Possessive") || /^(my|our|your|his|her|their|its|the|a|that)$/.test(toks[k - 1].w))) return null;
  const [y, m, d] = day.split("-").map(Number);
  const on = (days: number) => new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
  if (w === "yesterday") return [`on ${on(-1)}`, 1];
  if (w === "today" || w === "tonight") return [`on ${day}`, 1];
  if (w === "tomorrow") return [`on ${on(1)}`, 1];
  if (w === "last" && next === "night") return [`on ${on(-1)}`, 2];
  if (w === "this" && /^(morning|afternoon|evening)$/.test(next)) return [`on ${day}`, 2];
  if (step !== undefined && next === "year") return [`in ${y + step}`, 2];
  if (step !== undefined && next === "month") {
    const month = new Date(Date.UTC(y, m - 1 + step, 1));
    return [`in ${MONTHS[month.getUTCMonth()]} ${month.getUTCFullYear()}`, 2];
  }
  const weekday = WEEKDAYS.findIndex((n) => next.replace(/\.$/, "").length >= 3 && n.startsWith(next.replace(/\.$/, "")));
  // ("on Monday" in a clause said in the past, or of the future: as "last Monday", "next Monday")
  if (w === "on" && when && weekday >= 0 && is(toks[k + 1], "Date")) return relativeTime([synthetic(when < 0 ? "last" : "next"), toks[k + 1]], 0, day);
  if (step && weekday >= 0) {
    // "last Friday": the Friday before the turn's day, "on Friday 2023-11-03"; "next Friday": the one after it
    const today = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
    const name = capitalize(WEEKDAYS[weekday]);
    return [`on ${name} ${on(step < 0 ? -(((today - weekday + 6) % 7) + 1) : ((weekday - today + 6) % 7) + 1)}`, 2];
  }
  if (step && (next === "week" || next === "weekend")) return [`the ${next} ${step < 0 ? "before" : "after"} ${day}`, 2];
  if (step !== undefined && SEASONS[next] !== undefined && is(toks[k + 1], "Date")) return [`in ${season(next, step, y, m)}`, 2];
  // "about five years ago": around the date
  if (/^(about|around|roughly|nearly|almost|approximately)$/.test(w) && k + 1 < toks.length) {
    const near = relativeTime(toks, k + 1, day);
    if (near && toks[k + near[1]]?.w === "ago") return [near[0].replace(/^(in|on|around) /, "around "), near[1] + 1];
  }
  const n = is(toks[k], "Value") && toks[k + 2]?.w === "ago" ? number(toks[k]) : NaN;
  if (Number.isFinite(n) && /^days?$/.test(next)) return [`on ${on(-n)}`, 3];
  if (Number.isFinite(n) && /^weeks?$/.test(next)) return [`around ${on(-7 * n)}`, 3];
  if (Number.isFinite(n) && /^months?$/.test(next)) {
    const month = new Date(Date.UTC(y, m - 1 - n, 1));
    return [`in ${MONTHS[month.getUTCMonth()]} ${month.getUTCFullYear()}`, 3];
  }
  if (Number.isFinite(n) && /^years?$/.test(next)) return [`in ${y - n}`, 3];
  // "a couple of days ago", "a few weeks ago": as vague as said, from the turn's day ("a few weeks before 2025-03-12")
  const some = w === "a" && /^(couple|few)$/.test(next) ? (toks[k + 2]?.w === "of" ? 3 : 2) : 0;
  if (some && toks[k + some + 1]?.w === "ago" && /^(days?|weeks?|months?|years?)$/.test(toks[k + some].w)) {
    return [`${toks.slice(k, k + some + 1).map((t) => t.w).join(" ")} before ${/^years?$/.test(toks[k + some].w) ? y : day}`, some + 2];
  }
  // "over the weekend", "this past weekend", said of the past: the weekend before the turn's day
  if (when < 0 && ((w === "over" && next === "the" && toks[k + 2]?.w === "weekend") || (w === "this" && next === "past" && toks[k + 2]?.w === "weekend"))) {
    return [`the weekend before ${day}`, 3];
  }
  // "in January", said of the past or of the future: the nearest January that was, or will be
  const month = w === "in" && when ? MONTHS.findIndex((name) => name.toLowerCase() === next) : -1;
  if (month >= 0 && is(toks[k + 1], "Date") && !is(toks[k + 2], "Value") && !is(toks[k + 2], "Year") && !/^\d/.test(toks[k + 2]?.w ?? "")) {
    const year = when < 0 ? (month + 1 <= m ? y : y - 1) : (month + 1 >= m ? y : y + 1);
    return [`in ${MONTHS[month]} ${year}`, 2];
  }
  return null;
}

// ---- small helpers ----

/** A noun phrase at the start: determiners, adjectives, nouns, up to a preposition or a break. */
function nounPhrase(toks: Tok[]): Tok[] {
  let end = 0;
  while (end < toks.length) {
    const t = toks[end];
    // "Austin last year": the adjective belongs to the date
    if (!(is(t, "Noun") || is(t, "Determiner") || is(t, "Adjective") || is(t, "Value")) || is(t, "Date") || is(toks[end + 1], "Date")) break;
    end++;
    if (/[,;:.!]/.test(t.post)) break;
  }
  // ("a small flat", with "flat" tagged an adverb: no noun phrase, not "a small")
  while (end > 0 && !(is(toks[end - 1], "Noun") || is(toks[end - 1], "Value"))) end--;
  return toks.slice(0, end);
}

/** A clause up to the first comma after its verb: what follows is usually another thought. */
function untilComma(toks: Tok[], from: number): Tok[] {
  const comma = toks.findIndex((t, k) => k >= from && t.post.includes(","));
  return comma < 0 ? toks : toks.slice(0, comma + 1);
}

/** A phrase up to its first break (comma, "because", "when"), without trailing filler. */
function cut(toks: Tok[]): Tok[] {
  const out: Tok[] = [];
  for (const t of toks) {
    if (/^(when|because|cause|since|if|while|which|but)$/.test(t.w)) break;
    out.push(t);
    if (/[;:.!]/.test(t.post)) break;
  }
  while (out.length && (is(out[out.length - 1], "Preposition") || is(out[out.length - 1], "Conjunction") || is(out[out.length - 1], "Determiner"))) out.pop();
  return out;
}

/**
 * "hiking, camping and fishing" → three items; "mac and cheese" stays one (no comma). A leading
 * "to" carries over: "to swim, sunbathe and dance" → "to swim", "to sunbathe", "to dance".
 */
function listItems(toks: Tok[]): Tok[][] {
  if (!toks.some((t) => t.post.includes(","))) return [toks];
  const items: Tok[][] = [[]];
  for (const t of toks) {
    const item = items[items.length - 1];
    // ("road trips with friends and family": a pair after a preposition is one thing)
    const paired = item.slice(-3, -1).some((p) => is(p, "Preposition")) && is(item[item.length - 1], "Noun") && !item[item.length - 1].post.includes(",");
    if ((t.w === "and" || t.w === "or") && !paired) { if (item.length) items.push([]); continue; }
    item.push(t);
    if (t.post.includes(",")) items.push([]);
  }
  const to = toks[0].w === "to" ? toks[0] : undefined;
  // "my cat, Spook": a name after a pet or a relative is theirs, not another item
  const kept = items.filter((i) => i.length).reduce<Tok[][]>((out, i) => {
    const prev = out[out.length - 1]?.at(-1);
    if (prev && i.length <= 2 && i.every(isProper) && (PETS.has(lemma(prev)) || FAMILY.has(lemma(prev)))) out[out.length - 1].push(...i);
    else out.push(i);
    return out;
  }, []);
  // "to hike, swim and fish": each "to …"; "to spend time with family, and friends": what the first item
  // does with its last thing is done with the others ("to spend time with friends")
  // ("to listen to country music, rock music…": "to listen to rock music")
  const first = kept[0];
  let lead = first.length - 2;
  while (lead > 0 && !is(first[lead], "Preposition") && first[lead].w !== "to" && !isVerb(first[lead])) lead--;
  // ("cards", tagged as "it cards", is no infinitive; "racing games" is a thing played)
  const infinitive = (t: Tok) => isVerb(t) && !is(t, "Gerund") && !(is(t, "PresentTense") && !is(t, "Infinitive") && t.w.endsWith("s"));
  // "to play games, go out with friends, and watch movies": where one of the others starts with a verb,
  // all of them are things done ("watch", tagged a noun, is no more of what "play" plays)
  // (a gerund, "racing games", is no such verb)
  const done = kept.slice(1).some((i) => is(i[0], "Infinitive") && !is(i[0], "Noun"));
  return kept.map((i, k) => (!to || i[0].w === "to" ? i : k > 0 && !infinitive(i[0]) && lead > 0 && !done ? [...first.slice(0, lead + 1), ...i] : [to, ...i]));
}

/** The slot key of a phrase: lemmas, no articles or possessives. "to bake cookies" → "bake cookie" */
function key(toks: Tok[], dates = false): string {
  // ("a lot of old songs", "lots of bands": old songs, bands; "a lot" may be tagged an adverb, so "of" leads)
  const said = toks
    .filter((t, k) => !is(t, "Determiner") && !is(t, "Possessive") && !is(t, "Adverb") && (dates || (!is(t, "Date") &&
      !((is(t, "Value") || is(t, "Adjective")) && is(toks[k + 1], "Date")))) &&
      !ASIDES.has(t.w) && t.w !== "to" && !THIRD_PERSON[t.w])
    .map(lemma).join(" ").toLowerCase().replace(/[^a-z0-9 '-]/g, "").trim().replace(/^(?:(?:lot|plenty|ton) )?of /, "");
  // ("I hate Mondays", "my favorite season": when the thing itself is a time, it is the key)
  return said || dates ? said : key(toks, true);
}

function isContent(t: Tok): boolean {
  return (is(t, "Noun") || is(t, "Value") || is(t, "Gerund")) && !isPronoun(t) && !VAGUE_NOUNS.has(t.w) && !THIRD_PERSON[t.w];
}

function findVerb(toks: Tok[]): number {
  return toks.findIndex((t) => isVerb(t));
}

function nameFrom(toks: Tok[]): string | undefined {
  // ("a sister named Ana in Lisbon": the name ends at the first word that is no name)
  const proper = toks.findIndex((t, k) => k > 0 && !isProper(t));
  const name = toks.slice(0, Math.min(3, proper < 0 ? 3 : proper));
  const first = name[0];
  if (!first || isPronoun(first) || is(first, "Determiner") || is(first, "Verb")) return undefined;
  const until = name.findIndex((t) => /[,.!;]/.test(t.post));
  return (until >= 0 ? name.slice(0, until + 1) : name).map((t) => capitalize(t.text)).join(" ");
}

/** A name, or for more than one ("two cats named Miso and Tofu") the names joined by "and". */
function namesFrom(toks: Tok[], several: boolean): string | undefined {
  const first = nameFrom(toks);
  if (!first || !several) return first;
  const at = first.split(" ").length;
  const second = toks[at]?.w === "and" && isProper(toks[at + 1]) ? nameFrom(toks.slice(at + 1)) : undefined;
  return second ? `${first.replace(/,$/, "")} and ${second}` : first;
}

/** The number some tokens say: "34", "thirty four", "a". NaN when they say none. */
function number(...toks: Tok[]): number {
  const said = toks.map((t) => t.text).join(" ");
  if (/^\d+$/.test(said)) return Number(said);
  return (nlp(said).numbers().get() as number[])[0] ?? NaN;
}

/** "a" or "an" */
const indefinite = (t: Tok | undefined) => t?.w === "a" || t?.w === "an";
const article = (word: string) => (/^[aeiou]/i.test(word) ? "an" : "a");
const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
const firstWord = (s: string) => s.trim().split(/\s+/)[0];
const subject = (ctx: Ctx) => ctx.name ?? "The user";
/** the user inside a sentence: "Music makes the user happy" */
const object = (ctx: Ctx) => ctx.name ?? "the user";
/** "Jordan's", "the user's": the user's own, as one token */
const usersOwn = (ctx: Ctx) => synthetic(`${object(ctx)}'s`, "ProperNoun");
const possessive = (ctx: Ctx) => `${subject(ctx)}'s`;

/** Capitalized, one period, no punctuation around it. */
function sentence(s: string): string {
  const t = s.replace(/\s+/g, " ").replace(/^[\s,;:.!…-]+|[\s,;:.!…-]+$/g, "");
  return t ? `${capitalize(t)}.` : "";
}

function add(ctx: Ctx, fact: Omit<Fact, "seq">): void {
  if (!fact.text) return;
  // a task of the moment is session memory; a name, a home or a liking said "right now" still lasts
  if (ctx.moment && (!fact.slot || fact.slot.startsWith("goal:"))) fact = { ...fact, shortLived: true };
  const clean = Object.fromEntries(Object.entries(fact).filter(([, v]) => v !== undefined)) as Omit<Fact, "seq">;
  ctx.facts.push({ ...clean, seq: ctx.seq });
}

/** One fact per text: a repeat adds its turns to the first. */
function dedupe(facts: Fact[]): Fact[] {
  const byText = new Map<string, Fact>();
  for (const f of facts) {
    const seen = byText.get(f.text);
    if (seen) seen.seq = [...new Set([...seen.seq, ...f.seq])];
    else byText.set(f.text, { ...f, seq: [...f.seq] });
  }
  return [...byText.values()];
}
