"""CoCoA RTO estimation (draft-ietf-core-cocoa-03 §4), per peer, sans clock.

Two RFC 6298 estimators: strong (exchanges answered with no retransmission, K=4) and weak
(answered after 1 or 2 retransmissions, time from the first transmission, K=1); samples after a
third retransmission are ignored. The overall RTO moves towards the estimator that just changed:
RTO := 0.5 E_strong + 0.5 RTO, or RTO := 0.25 E_weak + 0.75 RTO (§4.2). Aging (§4.3): an RTO
below 1 s not updated for 16 RTO doubles; above 3 s not updated for 4 RTO becomes 1 s + RTO/2.
mxcoap adds a floor under the RTO a new exchange uses (RFC 6298 §2.4; TransmissionParams.min_rto);
the estimator's own state is kept as the draft computes it.
"""

ALPHA = 0.125  # RFC 6298 §2.3
BETA = 0.25
K_STRONG = 4
K_WEAK = 1  # draft-ietf-core-cocoa §4.2.1: a large RTTVAR must not blow up the weak estimate
W_STRONG = 0.5
W_WEAK = 0.25
MAX_WEAK_RETRANSMISSIONS = 2  # responses after the 3rd retransmission are not used
BACKOFF_CAP = 32.0  # §4.2.1: the backoff is truncated at 32 s
MAX_RTO = 60.0  # the overall estimate is held below this (RFC 6298 §2.5 allows a maximum >= 60 s)


class _Rfc6298:
    """One RFC 6298 estimator with CoCoA's initial value and K."""

    def __init__(self, k, initial):
        self.k = k
        self.srtt = None
        self.rttvar = None
        self.value = initial

    def update(self, rtt):
        if self.srtt is None:  # RFC 6298 §2.2: the first measurement
            self.srtt = rtt
            self.rttvar = rtt / 2
        else:  # §2.3: RTTVAR before SRTT
            diff = self.srtt - rtt
            self.rttvar = (1 - BETA) * self.rttvar + BETA * (diff if diff >= 0 else -diff)
            self.srtt = (1 - ALPHA) * self.srtt + ALPHA * rtt
        self.value = self.srtt + self.k * self.rttvar
        return self.value


class CocoaEstimator:
    """The per-destination RTO state of CoCoA (three variables plus the RTT estimators)."""

    def __init__(self, initial=2.0, now=0.0, floor=0.0):
        self.initial = initial
        self.floor = floor  # lower bound on what current() returns once measured
        self.strong = _Rfc6298(K_STRONG, initial)
        self.weak = _Rfc6298(K_WEAK, initial)
        self.rto = initial
        self.updated = now
        self.measured = False

    def age(self, now):
        """Apply RTO aging cumulatively (§4.3 allows it to be done when the estimator is used)."""
        while True:
            idle = now - self.updated
            if self.rto < 1.0 and idle > 16 * self.rto:
                self.updated += 16 * self.rto
                self.rto = 2 * self.rto
            elif self.rto > 3.0 and idle > 4 * self.rto:
                self.updated += 4 * self.rto
                self.rto = 1.0 + 0.5 * self.rto
            else:
                return self.rto

    def current(self, now, parallel=0):
        """The RTO for a new exchange; blind estimate times (parallel + 1) before any sample
        (§4.1: "2 s times the number of parallel exchanges"). A measured RTO is raised to
        `floor`: RFC 6298 §2.4 rounds an RTO below 1 s up to 1 s against spurious
        retransmissions; RFC 8961 §4 leaves the bound to the protocol. CoCoA's strong estimator
        converges on SRTT when answers come at a steady pace, so without a floor a request the
        server answers a little later than usual is sent twice."""
        if not self.measured:
            return self.initial * (parallel + 1)
        rto = self.age(now)
        return rto if rto >= self.floor else self.floor

    def update(self, rtt, retransmissions, now):
        """Feed one RTT sample; returns True when it was used."""
        self.age(now)
        if retransmissions == 0:
            self.rto = W_STRONG * self.strong.update(rtt) + (1 - W_STRONG) * self.rto
        elif retransmissions <= MAX_WEAK_RETRANSMISSIONS:
            self.rto = W_WEAK * self.weak.update(rtt) + (1 - W_WEAK) * self.rto
        else:
            return False
        if self.rto > MAX_RTO:
            self.rto = MAX_RTO
        self.updated = now
        self.measured = True
        return True


def backoff_factor(initial_rto):
    """Variable backoff factor (§4.2.1): x3 below 1 s, x1.5 above 3 s, else x2."""
    if initial_rto < 1.0:
        return 3.0
    if initial_rto > 3.0:
        return 1.5
    return 2.0


def next_timeout(timeout, factor, cap=BACKOFF_CAP):
    """The next retransmission interval, truncated at `cap` (never below the current one)."""
    t = timeout * factor
    if t > cap:
        t = cap if timeout < cap else timeout
    return t
