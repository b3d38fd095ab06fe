// Size and duration of the backups over time, as two small line charts in one plain SVG (no chart library:
// the bundle stays small). Colors come from the theme through `style`, since SVG attributes cannot read
// CSS variables.
import React from 'react';

import type {BackupSummary} from '../../client/types';
import {formatBytes, formatDuration} from '../common/format';
import {color, muted} from '../common/styles';

const WIDTH = 640;
const PANEL = 90;
const GAP = 34;
const LEFT = 8;
const RIGHT = 8;

type Point = {t: number; v: number};

/** Oldest first, one point per snapshot. */
export function trendPoints(backups: BackupSummary[]): {size: Point[]; duration: Point[]} {
    const sorted = [...backups].sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
    return {
        size: sorted.map((b) => ({t: new Date(b.finishedAt).getTime(), v: b.sizeBytes})),
        duration: sorted.map((b) => ({t: new Date(b.finishedAt).getTime(), v: b.durationMs})),
    };
}

/** The polyline of points scaled into a panel whose top is at `top`. */
export function polyline(points: Point[], top: number): string {
    const t0 = points[0].t;
    const span = Math.max(1, points[points.length - 1].t - t0);
    const max = Math.max(1, ...points.map((p) => p.v));
    return points.map((p) => {
        const x = LEFT + ((p.t - t0) / span) * (WIDTH - LEFT - RIGHT);
        const y = top + PANEL - (p.v / max) * PANEL;
        return `${x.toFixed(1)},${y.toFixed(1)}`;
    }).join(' ');
}

function Panel({points, top, title, format, stroke}: {points: Point[]; top: number; title: string; format: (n: number) => string; stroke: string}) {
    const max = Math.max(...points.map((p) => p.v));
    return (
        <g>
            <text
                x={LEFT}
                y={top - 8}
                style={{fill: color.text, fontSize: 12}}
            >
                {`${title} (max ${format(max)}, last ${format(points[points.length - 1].v)})`}
            </text>
            <line
                x1={LEFT}
                x2={WIDTH - RIGHT}
                y1={top + PANEL}
                y2={top + PANEL}
                style={{stroke: color.border}}
            />
            <polyline
                points={polyline(points, top)}
                style={{fill: 'none', stroke, strokeWidth: 2}}
            />
        </g>
    );
}

export default function TrendChart({backups}: {backups: BackupSummary[]}) {
    if (backups.length < 2) {
        return <p style={muted}>{'The size and duration chart appears once there are two backups or more.'}</p>;
    }
    const {size, duration} = trendPoints(backups);
    const first = new Date(size[0].t).toLocaleDateString();
    const last = new Date(size[size.length - 1].t).toLocaleDateString();
    const height = GAP + PANEL + GAP + PANEL + 20;
    return (
        <svg
            role='img'
            aria-label={`Backup size and duration of ${backups.length} snapshots from ${first} to ${last}`}
            viewBox={`0 0 ${WIDTH} ${height}`}
            style={{width: '100%', maxWidth: WIDTH, height: 'auto', display: 'block', margin: '8px 0 16px'}}
        >
            <Panel
                points={size}
                top={GAP - 14}
                title='Size'
                format={formatBytes}
                stroke={color.accent}
            />
            <Panel
                points={duration}
                top={GAP - 14 + PANEL + GAP}
                title='Duration'
                format={formatDuration}
                stroke={color.warning}
            />
            <text
                x={LEFT}
                y={height - 4}
                style={{fill: color.muted, fontSize: 11}}
            >
                {first}
            </text>
            <text
                x={WIDTH - RIGHT}
                y={height - 4}
                textAnchor='end'
                style={{fill: color.muted, fontSize: 11}}
            >
                {last}
            </text>
        </svg>
    );
}
