// Plain-language meaning of each fault kind, for operators who do not read code.
import type { FaultKind } from '../../gql/graphql';

export const FAULT_EXPLANATIONS: Record<FaultKind, { title: string; meaning: string; check: string }> = {
  OUT_OF_RANGE: {
    title: 'Out of range',
    meaning: 'Values fall outside what this sensor can plausibly measure.',
    check: 'Check the sensor for damage, a wrong unit or calibration, or a misconfigured range.',
  },
  SPIKE: {
    title: 'Spikes',
    meaning: 'Isolated readings jump far away from the recent level and come back.',
    check: 'Look for loose wiring, electrical interference or a failing transmitter.',
  },
  STUCK: {
    title: 'Stuck value',
    meaning: 'The value has stopped moving although this kind of signal normally varies.',
    check: 'The sensor may be frozen, covered, or the gateway may repeat its last value.',
  },
  NOISE: {
    title: 'Noisy',
    meaning: 'Short-term variation rose far above this sensor’s own normal (the reason gives the ratio now).',
    check: 'Check the power supply, grounding and the mounting of the sensor.',
  },
  DRIFT: {
    title: 'Drifting',
    meaning: 'The sensor slowly departs from its peers of the same kind in the same zone.',
    check: 'It probably needs recalibration or replacement.',
  },
  OFFLINE: {
    title: 'Offline',
    meaning: 'No readings have arrived for several expected intervals.',
    check: 'Check power, network connectivity and the integrator that forwards its data.',
  },
  GAP: {
    title: 'Gaps',
    meaning: 'Readings arrive intermittently: far fewer than its interval promises.',
    check: 'Look for a weak radio link, an overloaded gateway or battery problems.',
  },
  CLOCK: {
    title: 'Clock problems',
    meaning: 'Timestamps lie in the future or arrive far out of order.',
    check: 'Check the time synchronisation (NTP) of the device or gateway.',
  },
};
