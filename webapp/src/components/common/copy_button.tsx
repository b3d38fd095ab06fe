// Copies a command to the clipboard. navigator.clipboard needs a secure context (HTTPS or localhost); on plain
// HTTP the button says so and the admin selects the text instead.
import React, {useEffect, useState} from 'react';

import {muted} from './styles';

type Props = {
    text: string;
    label?: string;

    /** Names what is copied, for screen readers: "Copy <what>". */
    what: string;
};

export default function CopyButton({text, label = 'Copy', what}: Props) {
    const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
    useEffect(() => {
        if (state === 'idle') {
            return undefined;
        }
        const timer = setTimeout(() => setState('idle'), 3000);
        return () => clearTimeout(timer);
    }, [state]);

    const copy = async () => {
        try {
            if (!navigator.clipboard) {
                throw new Error('no clipboard');
            }
            await navigator.clipboard.writeText(text);
            setState('copied');
        } catch {
            setState('failed');
        }
    };
    return (
        <span>
            <button
                type='button'
                className='btn btn-tertiary btn-sm'
                aria-label={`Copy ${what}`}
                onClick={copy}
            >
                {state === 'copied' ? 'Copied' : label}
            </button>
            {state === 'failed' ? (
                <span
                    role='status'
                    style={{...muted, marginLeft: 8}}
                >
                    {'The browser refused the clipboard (it needs HTTPS): select the text and press Ctrl+C.'}
                </span>
            ) : null}
        </span>
    );
}
