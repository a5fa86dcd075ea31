"""What a CI gate prints besides text and JSON: SARIF for code-scanning views, JUnit for
test reports. Pure functions from a `GateResult` (diagnoser.analysis.gate) to text."""
