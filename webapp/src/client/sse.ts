// A server-sent events parser for fetch streaming (the bridge's job log). fetch is used instead of EventSource
// so a refused or missing job is told apart by its HTTP status, and so the stream is not retried forever.

export type SseEvent = {event: string; data: string};

/**
 * Splits the text received so far into complete events and the incomplete rest to keep for the next chunk.
 * Follows the EventSource rules the bridge uses: events end at a blank line, `data:` lines are joined by
 * newlines, `event:` names the event (default "message"), and comment lines (":") are ignored.
 */
export function parseSse(buffer: string): {events: SseEvent[]; rest: string} {
    const events: SseEvent[] = [];
    const text = buffer.replace(/\r\n?/g, '\n');
    const blocks = text.split('\n\n');
    const rest = blocks.pop() ?? '';
    for (const block of blocks) {
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
            if (!line || line.startsWith(':')) {
                continue;
            }
            const colon = line.indexOf(':');
            const field = colon === -1 ? line : line.slice(0, colon);
            const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'event') {
                event = value;
            } else if (field === 'data') {
                data.push(value);
            }
        }
        if (data.length > 0) {
            events.push({event, data: data.join('\n')});
        }
    }
    return {events, rest};
}
