// The Destinations section (custom setting Destinations): where backups go (redacted: the credentials stay in
// the bridge's environment file), a connection test that writes and removes a probe object, and the fingerprint
// of the encryption key with the reminder that matters most for recovery: a copy of the key off this host.
import React, {useEffect, useState} from 'react';

import {getDestinations, testDestinations} from '../../client/endpoints';
import type {BridgeProblem} from '../../client/request';
import type {Destinations, DestinationTestResult} from '../../client/types';
import {isAbort, problemOf} from '../../state/problem';
import type {CustomSettingProps} from '../../types/mattermost';
import ProblemNote from '../common/problem_note';
import {cell, code, color, muted, notice, row, table, textIn} from '../common/styles';

const ROLE: Record<string, string> = {primary: 'Primary repository', offsite: 'Off-site copy'};
const KIND: Record<string, string> = {local: 'local disk', s3: 'S3'};

function TestResult({result}: {result: DestinationTestResult | undefined}) {
    if (!result) {
        return <span style={muted}>{'Not tested'}</span>;
    }
    if (result.ok) {
        return <span style={textIn(color.healthy)}>{`Connected (${result.latencyMs} ms)`}</span>;
    }
    return (
        <span style={textIn(color.failing)}>
            {`Failed: ${result.message}`}
            {result.fix ? <span style={{display: 'block'}}>{`What to do: ${result.fix}`}</span> : null}
        </span>
    );
}

function KeyFingerprint({fingerprint}: {fingerprint: string | null}) {
    return (
        <div style={notice(color.warning)}>
            <div>
                {'Encryption key fingerprint: '}
                <code data-testid='key-fingerprint'>{fingerprint ?? 'unknown (the bridge could not read the repository key)'}</code>
            </div>
            <p style={{margin: '8px 0 0'}}>
                {'Keep a copy of the key file (MMBACKUP_KEY_FILE, e.g. /etc/mmbackup/mmbackup.key) or the passphrase off this host: in a password manager or a vault. Without it no backup can be read, and a key that lives only on the server is lost with the server. Compare this fingerprint with your copy.'}
            </p>
        </div>
    );
}

export default function DestinationsPage(_props: CustomSettingProps) {
    const [data, setData] = useState<Destinations | null>(null);
    const [problem, setProblem] = useState<BridgeProblem | null>(null);
    const [testing, setTesting] = useState(false);
    const [results, setResults] = useState<DestinationTestResult[] | null>(null);
    const [testProblem, setTestProblem] = useState<BridgeProblem | null>(null);

    useEffect(() => {
        const controller = new AbortController();
        getDestinations(controller.signal).then(setData, (err) => {
            if (!isAbort(err)) {
                setProblem(problemOf(err));
            }
        });
        return () => controller.abort();
    }, []);

    const test = async () => {
        setTesting(true);
        setTestProblem(null);
        try {
            setResults((await testDestinations()).results);
        } catch (err) {
            setTestProblem(problemOf(err));
        } finally {
            setTesting(false);
        }
    };

    return (
        <div data-testid='destinations-panel'>
            {problem ? <ProblemNote problem={problem} doing='read the destinations'/> : null}
            {!data && !problem ? <p style={muted}>{'Loading the destinations…'}</p> : null}
            {data ? (
                <>
                    <table style={table}>
                        <tbody>
                            {data.destinations.map((d) => (
                                <tr
                                    key={d.role + d.location}
                                    data-role={d.role}
                                >
                                    <th
                                        scope='row'
                                        style={cell}
                                    >
                                        {ROLE[d.role] ?? d.role}
                                    </th>
                                    <td style={cell}>{KIND[d.kind] ?? d.kind}</td>
                                    <td style={cell}><code style={{...code, padding: '2px 6px'}}>{d.location}</code></td>
                                    <td style={cell}><TestResult result={results?.find((r) => r.role === d.role)}/></td>
                                </tr>
                            ))}
                        </tbody>
                    </table>
                    <p style={muted}>{'Locations and credentials are set in the bridge\'s environment file (/etc/mmbackup/mmbackup.env: MMBACKUP_REPO, MMBACKUP_OFFSITE_REPO), never here, so whoever can read Mattermost\'s config cannot reach the backups.'}</p>
                    <div style={{...row, marginBottom: 12}}>
                        <button
                            type='button'
                            className='btn btn-tertiary'
                            data-testid='test-connection-button'
                            disabled={testing}
                            onClick={test}
                        >
                            {testing ? 'Testing…' : 'Test connection'}
                        </button>
                        <span style={muted}>{'Writes a small probe object to each destination and removes it.'}</span>
                    </div>
                    {testProblem ? <ProblemNote problem={testProblem} doing='test the destinations'/> : null}
                    <KeyFingerprint fingerprint={data.encryption.keyFingerprint}/>
                </>
            ) : null}
        </div>
    );
}
