// One bridge setting in the System Console: the usual input, read-only with a note when an MMBACKUP_* variable
// forces it on the bridge (GET settings `locked`), with the bridge's objection when it rejected the saved value.
// It also publishes the value being edited to the drafts slice, so the previews follow the typing.
import React, {useEffect} from 'react';

import {envNameOf, isLocked} from '../../state/bridge_settings';
import type {CustomSettingProps} from '../../types/mattermost';
import {useBridgeSettings, usePluginDispatch, usePluginState} from '../common/hooks';
import {color, muted} from '../common/styles';

import type {SettingEntry} from './catalog';

type Props = CustomSettingProps & {entry: SettingEntry};

function shown(value: unknown): string {
    return value === undefined || value === null ? '' : String(value);
}

/** Numbers go to the config as numbers, like Mattermost's own number settings; anything else as typed. */
function parsedNumber(text: string): number | string {
    return (/^-?\d+$/).test(text.trim()) ? Number(text) : text;
}

function Input({entry, id, value, disabled, onChange}: {entry: SettingEntry; id: string; value: unknown; disabled: boolean; onChange: (v: unknown) => void}) {
    if (entry.kind === 'bool') {
        const on = value === true || value === 'true';
        return (
            <div role='radiogroup'>
                {[true, false].map((choice) => (
                    <label
                        key={String(choice)}
                        className='radio-inline'
                    >
                        <input
                            type='radio'
                            name={id}
                            value={String(choice)}
                            checked={on === choice}
                            disabled={disabled}
                            onChange={() => onChange(choice)}
                        />
                        {choice ? 'true' : 'false'}
                    </label>
                ))}
            </div>
        );
    }
    return (
        <input
            id={id}
            className='form-control'
            // Read-only as text: a locked count may be "unlimited", which a number input would blank.
            type={entry.kind === 'number' && !disabled ? 'number' : 'text'}
            value={shown(value)}
            placeholder={shown(entry.default)}
            disabled={disabled}
            onChange={(e) => onChange(entry.kind === 'number' ? parsedNumber(e.target.value) : e.target.value)}
        />
    );
}

export function LockableSetting({entry, id, value, disabled, setByEnv, onChange, config, children}: Props & {children?: React.ReactNode}) {
    useBridgeSettings();
    const dispatch = usePluginDispatch();
    const locked = usePluginState((s) => isLocked(s.bridgeSettings, entry.key));
    const effective = usePluginState((s) => s.bridgeSettings.data?.effective?.[entry.key.charAt(0).toLowerCase() + entry.key.slice(1)]);
    const objection = usePluginState((s) => s.bridgeSettings.data?.problems?.find((p) => p.key.toLowerCase() === entry.key.toLowerCase()));
    const current = value ?? entry.default;
    const draft = shown(current);

    useEffect(() => {
        dispatch({type: 'backup-dr/drafts/changed', key: entry.key, value: draft});
    }, [draft, entry.key, dispatch]);

    const env = envNameOf(entry.key);
    return (
        <div
            data-setting={entry.key}
            data-locked={locked || undefined}
        >
            <Input
                entry={entry}
                id={id}
                value={locked && effective !== undefined && typeof effective !== 'object' ? effective : current}
                disabled={Boolean(disabled || setByEnv || locked)}
                onChange={(v) => onChange(id, v)}
            />
            {locked ? (
                <p
                    role='note'
                    style={{...muted, margin: '4px 0 0'}}
                >
                    {`Locked: ${env} in the bridge's environment file (/etc/mmbackup/mmbackup.env) sets this, so a value saved here is ignored. To manage it here, remove that line and run systemctl restart mmbackup.`}
                </p>
            ) : null}
            {objection && !locked ? (
                <p
                    role='alert'
                    style={{color: color.failing, margin: '4px 0 0'}}
                >
                    {`The bridge rejected the saved value and keeps its previous one: ${objection.message}`}
                </p>
            ) : null}
            {children}
        </div>
    );
}

/** The System Console component for one setting of the catalog. */
export function lockableSetting(entry: SettingEntry): React.ComponentType<CustomSettingProps> {
    function Setting(props: CustomSettingProps) {
        return (
            <LockableSetting
                {...props}
                entry={entry}
            />
        );
    }
    Setting.displayName = `LockableSetting(${entry.key})`;
    return Setting;
}
