// Mattermost's websocket as its webapp keeps it: one connection to /api/v4/websocket on the page's origin
// (the session cookie authenticates it), each event handed to the handler a plugin registered for its name
// with registry.registerWebSocketEventHandler, reconnecting when it drops. Every event name received is kept
// in host.websocketEvents for the tests.
function connectWebSocket(host) {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v4/websocket`;
    const open = () => {
        const socket = new WebSocket(url);
        host.websocket = socket;
        socket.onmessage = (message) => {
            let data;
            try {
                data = JSON.parse(message.data);
            } catch {
                return;
            }
            if (!data.event) {
                return; // a reply to a request of ours, not an event
            }
            host.websocketEvents.push(data.event);
            const handler = host.websocketHandlers.get(data.event);
            if (handler) {
                handler(data);
            }
        };
        socket.onclose = () => setTimeout(open, 1000);
    };
    open();
}

module.exports = {connectWebSocket};
