// The health verdict. Newer bridges send it; for an older one it is worked out from the same fields by the
// same rules (console contract, GET status `health`), so the badge reads the same either way.
import type {BridgeStatus, Health} from '../../client/types';

export function healthOf(status: BridgeStatus): {health: Health; reasons: string[]} {
    if (status.health) {
        return {health: status.health, reasons: status.healthReasons ?? []};
    }
    const failing = [
        ...status.problems,
        ...(status.lastFailure ? [`The last ${status.lastFailure.kind} failed at step ${status.lastFailure.step}.`] : []),
        ...(status.rpo.breached ? [`No successful backup within the recovery point objective of ${status.rpo.thresholdHours} h.`] : []),
    ];
    if (failing.length > 0) {
        return {health: 'failing', reasons: failing};
    }
    const warnings = [
        ...status.warnings,
        ...(status.lastSuccess ? [] : ['No successful backup yet.']),
        ...(status.lastVerified ? [] : ['No backup has been verified or restored in a drill yet.']),
    ];
    return warnings.length > 0 ? {health: 'warning', reasons: warnings} : {health: 'healthy', reasons: []};
}
