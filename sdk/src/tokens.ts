// Estimated language-model tokens (not auth tokens), by the rule the relay budgets `context` with
// (KEEPSAKE_CONTEXT_TOKENS: 4 characters a token).

/** Characters per estimated token: a common rule of thumb for English text. */
export const CHARS_PER_TOKEN = 4;

/** The estimated token count of `text`: one token per 4 characters, rounded up. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}
