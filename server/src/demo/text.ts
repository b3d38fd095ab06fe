/**
 * Text that real Mattermost content contains and that dump/restore paths get wrong: quotes, backslashes,
 * COPY's `\N` and `\.` markers, newlines and carriage returns, tabs, right-to-left scripts, combining
 * characters, astral-plane emoji and ZWJ sequences, SQL and HTML that must stay inert. Messages are built
 * from these fragments by both loaders (PostgreSQL server-side, MySQL in JavaScript).
 */

/** Message fragments; about 68 UTF-8 bytes on average, so 4.5 fragments make a ~300-byte message. */
export const MESSAGE_FRAGMENTS: readonly string[] = [
  'Good morning team! 👋 The nightly backup finished in 4 minutes.',
  'It\'s "quoted" text with \'single\' and "double" quotes, and `backticks`.',
  'Windows path: C:\\Users\\admin\\Backups\\mattermost\\ (backslashes kept)',
  'First line\nsecond line\r\nthird line after a CRLF',
  'COPY markers that must survive:\n\\.\nand \\N is not NULL here.',
  'Tab\tseparated\tvalues\tin\ta\tmessage',
  '日本語のメッセージです。バックアップは正常に完了しました。',
  'Ελληνικά και русский текст в одном сообщении, ça marche très bien.',
  'مرحبا بالعالم — שלום עולם (right-to-left text mixed with LTR)',
  'Combining marks: e\u0301 a\u0308 n\u0303 and precomposed é ä ñ side by side.',
  'Emoji ZWJ sequences: 👩‍💻 👨‍👩‍👧‍👦 🏳️‍🌈 🧑🏽‍🚀 and a plain 🚀.',
  '```sql\nSELECT * FROM posts WHERE message LIKE \'%backup%\';\n```',
  "Robert'); DROP TABLE students;-- (inert, as it should be)",
  '@channel please review the release notes in ~town-square before Friday.',
  'Tracking this under #release and #backup, see the board for details.',
  'Placeholders stay literal: 50% done; $HOME & %s %d {name} ${value}',
  '<script>alert("x")</script> <b>bold?</b> &amp; &lt;escaped&gt;',
  'Mathematical letters 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 and Gothic 𐍈 live outside the BMP.',
  'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.',
  'Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris.',
  'Duis aute irure dolor in reprehenderit in voluptate velit esse cillum.',
  'Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia.',
  'The quick brown fox jumps over the lazy dog while the DBA sips coffee ☕.',
  'Deploy window: Saturday 02:00–04:00 UTC; rollback plan attached below.',
  'Can someone check why the staging database is at 93% disk usage?',
  'Merged PR #4821: "Fix race in file upload retry" — thanks @alice!',
  'Meeting notes:\n- restore drill passed\n- RTO 11 min\n- next: S3 copy',
  'Trailing spaces and a blank line follow   \n\n   and leading ones too.',
  'A JSON-looking string {"key": "value", "list": [1, 2, 3]} is just text.',
  'URL: https://chat.example.com/team/pl/ybndrfg8ejkmcpqxot1uwisza3?x=1&y=2',
  'Ünïcödé everywhere: Grüße aus Köln, żółć, Ångström, Þórr, İstanbul.',
  'Hindi: नमस्ते दुनिया, Thai: สวัสดีชาวโลก, Korean: 안녕하세요 세계',
  'Zero-width joiner\u200dand non-joiner\u200cand no-break\u00a0space here.',
  'A long token: ' + 'abcdefghij'.repeat(6),
  'Percent-encoded %20%2F%5C and a literal backslash-n: \\n (not a newline).',
  'Ok 👍',
  'Sounds good, shipping it. 🎉🎉🎉',
  'Nested quotes: "she said \'it\'s fine\' and left" — really.',
  'Semicolons; commas, pipes | and ampersands & in one line.',
  'Check the logs at /var/log/mattermost/mattermost.log around 03:14.',
];

/** Emoji names used for reactions (Mattermost stores names, not characters). */
export const EMOJI_NAMES: readonly string[] = [
  '+1', 'heart', 'smile', 'tada', 'eyes', 'white_check_mark', 'rocket', 'joy', 'thinking_face', 'fire',
];

/**
 * Attachment file names as users upload them: spaces, quotes, `;`, unicode, emoji, several dots, no
 * extension. Each entry is [name without extension, extension or ''].
 */
export const FILE_NAME_STEMS: readonly string[] = [
  'Quarterly report',
  'screenshot 2024-03-01 at 10.42.17',
  'O\'Brien "final" v2',
  'budget;draft',
  'Überweisung – März',
  'résumé',
  '会议记录',
  'vacation 🏖️ photo',
  'архив.backup',
  'notes',
  'diagram (1)',
  'a & b = c',
  'image',
  '100% done',
];

export interface FileKind {
  extension: string;
  mimeType: string;
  /** Images get a thumbnail and a preview, like Mattermost makes for them. */
  image: boolean;
  /** Text-like content compresses; binary formats (already compressed) do not. */
  text: boolean;
  /** Largest size for this kind, in bytes. */
  maxSize: number;
}

export const FILE_KINDS: readonly FileKind[] = [
  { extension: 'png', mimeType: 'image/png', image: true, text: false, maxSize: 300_000 },
  { extension: 'jpg', mimeType: 'image/jpeg', image: true, text: false, maxSize: 250_000 },
  { extension: 'gif', mimeType: 'image/gif', image: true, text: false, maxSize: 120_000 },
  { extension: 'pdf', mimeType: 'application/pdf', image: false, text: false, maxSize: 400_000 },
  { extension: 'txt', mimeType: 'text/plain', image: false, text: true, maxSize: 40_000 },
  { extension: 'csv', mimeType: 'text/csv', image: false, text: true, maxSize: 60_000 },
  { extension: 'zip', mimeType: 'application/zip', image: false, text: false, maxSize: 350_000 },
  { extension: 'docx', mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', image: false, text: false, maxSize: 90_000 },
  { extension: '', mimeType: 'application/octet-stream', image: false, text: false, maxSize: 8_000 },
];
