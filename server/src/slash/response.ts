/**
 * The answer to a slash command in Mattermost's wire format (server/public/model/command_response.go):
 * snake_case JSON. The OpenAPI file's CommandResponse spells these PascalCase, which the server does not read
 * (see shared/mattermost-api/PROVENANCE.txt), so this type follows the server, not the spec.
 */
import type { MessageAttachment } from '@mattermost/types/message_attachments';

export interface SlashResponse {
  /** 'ephemeral': only the invoker sees it. We never answer in_channel: backup details are for admins. */
  response_type: 'ephemeral';
  /** Markdown. */
  text: string;
  attachments?: MessageAttachment[];
}

/**
 * What the HTTP layer sends: `status` 200 with `body` as JSON, or 401 when the token did not match (Mattermost
 * then shows the invoker that the command failed, and the bridge must not reveal anything more).
 */
export interface SlashResult {
  status: 200 | 401;
  body: SlashResponse;
}

export function ephemeral(text: string, attachments?: MessageAttachment[]): SlashResponse {
  return { response_type: 'ephemeral', text, ...(attachments?.length ? { attachments } : {}) };
}
