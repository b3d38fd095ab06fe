// Mattermost sets the MMCSRF cookie (readable by same-origin script, unlike the HttpOnly session cookie) and
// expects its value back in X-CSRF-Token on every state-changing request; the bridge applies the same rule.

/** The MMCSRF cookie's value, or "" when there is none (then the bridge answers 403 CSRF). */
export function csrfToken(cookies: string = document.cookie): string {
    for (const part of cookies.split(';')) {
        const eq = part.indexOf('=');
        if (eq > 0 && part.slice(0, eq).trim() === 'MMCSRF') {
            return decodeURIComponent(part.slice(eq + 1).trim());
        }
    }
    return '';
}
