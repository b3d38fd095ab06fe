// A confirmation before starting a job. Rendered in place rather than in a portal: it needs nothing from
// ReactDOM, and it stays beside the button that opened it inside the System Console form.
import React, {useEffect, useRef} from 'react';

import {card, color, heading, row} from './styles';

type Props = {
    title: string;
    children: React.ReactNode;
    confirmLabel: string;
    onConfirm: () => void;
    onCancel: () => void;
};

export default function ConfirmDialog({title, children, confirmLabel, onConfirm, onCancel}: Props) {
    const confirmRef = useRef<HTMLButtonElement>(null);
    useEffect(() => confirmRef.current?.focus(), []);
    const titleId = `backup-dr-confirm-${title.replace(/\W+/g, '-').toLowerCase()}`;
    return (
        <div
            role='dialog'
            aria-modal='true'
            aria-labelledby={titleId}
            style={{...card, borderColor: color.accent, marginTop: 8}}
            onKeyDown={(e) => {
                if (e.key === 'Escape') {
                    e.stopPropagation();
                    onCancel();
                }
            }}
        >
            <h4
                id={titleId}
                style={heading}
            >
                {title}
            </h4>
            <div>{children}</div>
            <div style={{...row, marginTop: 12}}>
                <button
                    ref={confirmRef}
                    type='button'
                    className='btn btn-primary'
                    data-testid='confirm-button'
                    onClick={onConfirm}
                >
                    {confirmLabel}
                </button>
                <button
                    type='button'
                    className='btn btn-tertiary'
                    onClick={onCancel}
                >
                    {'Cancel'}
                </button>
            </div>
        </div>
    );
}
