import { describeRoundTrip } from './support/round-trip';

describeRoundTrip('postgres');
