// Inline styles on Mattermost's theme variables, so the pages follow the admin's theme (dark ones included)
// without a stylesheet in the bundle. Buttons use Mattermost's own classes (btn btn-primary, ...).
import type React from 'react';

type Style = React.CSSProperties;

export const color = {
    text: 'var(--center-channel-color)',
    muted: 'rgba(var(--center-channel-color-rgb), 0.72)',
    border: 'rgba(var(--center-channel-color-rgb), 0.16)',
    subtle: 'rgba(var(--center-channel-color-rgb), 0.04)',
    background: 'var(--center-channel-bg)',
    accent: 'var(--button-bg)',
    healthy: 'var(--online-indicator)',
    warning: 'var(--away-indicator)',
    failing: 'var(--error-text)',
};

export const card: Style = {
    border: `1px solid ${color.border}`,
    borderRadius: 4,
    padding: 16,
    marginBottom: 16,
    color: color.text,
    background: color.background,
};

export const heading: Style = {fontSize: 16, fontWeight: 600, margin: '0 0 8px'};

export const muted: Style = {color: color.muted};

export const row: Style = {display: 'flex', flexWrap: 'wrap', gap: 8, alignItems: 'center'};

export const code: Style = {
    fontFamily: 'Menlo, Consolas, "Liberation Mono", monospace',
    fontSize: 12,
    background: color.subtle,
    border: `1px solid ${color.border}`,
    borderRadius: 4,
    padding: '8px 12px',
    whiteSpace: 'pre-wrap',
    overflowWrap: 'anywhere',
    margin: 0,
};

/** A definition list as two columns: the term left, its value right. */
export const facts: Style = {display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: 16, rowGap: 6, margin: '12px 0'};

export const table: Style = {width: '100%', borderCollapse: 'collapse', fontSize: 13};

export const cell: Style = {padding: '6px 8px', borderBottom: `1px solid ${color.border}`, textAlign: 'left', verticalAlign: 'top'};

/** A panel whose left edge carries a state color (healthy, warning, failing, accent). */
export function notice(edge: string): Style {
    return {...card, borderLeft: `4px solid ${edge}`};
}

export function textIn(c: string): Style {
    return {color: c};
}
