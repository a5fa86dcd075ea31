"""One probe's answer as every page shows it: a cell of the endpoint matrix, a row of the
Diagnose page, a method of a shared snapshot. Status text, hover text, colour class,
verdict words and the layer are worked out here, so no template decides them."""

from dataclasses import dataclass

from diagnoser.analysis.facts import verdict_for
from diagnoser.analysis.layers import Layer, identify
from diagnoser.analysis.model import Basis, MethodCell, MethodMatrix, Verdict
from diagnoser.presentation.failures import Failure, describe
from diagnoser.presentation.verdicts import (
    RIGHT_ANSWER_CLASS,
    VERDICT_GLOSSARY,
    verdict_class,
    verdict_label,
)
from diagnoser.probing.model import UNKNOWN_METHOD, Observation, ProbeKind

# Shown in the cell itself where a table has no header columns of its own (the rest of
# the kept headers are in the opened panel): what the resource says it allows, and for
# preflights what CORS allows.
_PLAIN_SUMMARY = ("allow",)
_PREFLIGHT_SUMMARY = ("access-control-allow-methods",)


def _preflight_passed(observation: Observation) -> bool:
    """2xx with Access-Control-Allow-Origin and the requested method (or *) allowed."""
    if observation.status is None or not 200 <= observation.status < 300:
        return False
    if not observation.header("access-control-allow-origin"):
        return False
    allowed = observation.header("access-control-allow-methods") or ""
    tokens = {token.strip().upper() for token in allowed.split(",")}
    return observation.method.upper() in tokens or "*" in tokens


@dataclass(frozen=True)
class Cell:
    probe: str
    column: str  # the environment on the endpoint matrix; "" where there is one target
    observation: Observation | None  # None: not sent (safe policy) or no run yet
    verdict: MethodCell | None  # plain methods only: the matrix's verdict
    layer: Layer | None  # who answered, for a response

    is_probe = True  # a table cell drawn by the cell partial, not plain text
    css = ""
    title = ""

    @property
    def status(self) -> int | None:
        return self.observation.status if self.observation else None

    @property
    def failed(self) -> bool:
        return self.observation is not None and self.observation.status is None

    @property
    def inferred(self) -> bool:
        return self.observation is None and self.verdict is not None and not self.verdict.observed

    @property
    def inferred_verdict(self) -> str:
        """ "accepted"/"rejected" for an inferred cell; "" when nothing could be inferred."""
        if not self.inferred or self.verdict is None or self.verdict.verdict is Verdict.UNKNOWN:
            return ""
        return self.verdict.verdict.value

    @property
    def verdict_label(self) -> str:
        return verdict_label(self.verdict.verdict) if self.verdict else ""

    @property
    def verdict_hint(self) -> str:
        return VERDICT_GLOSSARY[self.verdict.verdict].hint if self.verdict else ""

    @property
    def source(self) -> str:
        """What an inferred verdict was read from."""
        return self.verdict.source if self.verdict else ""

    @property
    def status_text(self) -> str:
        """The code, or "failed: <error kind>" when no response came."""
        if self.observation is None:
            return ""
        if self.failed:
            return f"failed: {self.observation.error_kind or 'error'}"
        return str(self.status)

    @property
    def answer_verdict(self) -> Verdict:
        """What the answer means: the matrix's verdict for a method; for a preflight,
        accepted only with the CORS headers a browser needs (a bare 200 is a rejection)."""
        observation = self.observation
        if self.verdict is not None and (
            observation is None or observation.kind is ProbeKind.PLAIN
        ):
            return self.verdict.verdict
        if observation is None:
            return Verdict.UNKNOWN
        return Verdict.REJECTED if self._bare_preflight else verdict_for(observation.status)

    @property
    def _bare_preflight(self) -> bool:
        """A preflight answered like a success but without what a browser needs."""
        observation = self.observation
        return (
            observation is not None
            and observation.kind is ProbeKind.PREFLIGHT
            and verdict_for(observation.status) is Verdict.ACCEPTED
            and not _preflight_passed(observation)
        )

    @property
    def status_css(self) -> str:
        """Coloured by verdict through the one table the strips and the legend use, so a
        412 to the guarded probe is accepted like a 200; the made-up verb refused with
        405/501 is the right answer and keeps a calm colour of its own."""
        return RIGHT_ANSWER_CLASS if self._made_up_refused else verdict_class(self.answer_verdict)

    @property
    def _made_up_refused(self) -> bool:
        observation = self.observation
        return (
            observation is not None
            and observation.method == UNKNOWN_METHOD
            and observation.status in (405, 501)
        )

    @property
    def answer(self) -> str:
        """ "405 Method Not Allowed", or what happened instead of an answer."""
        observation = self.observation
        if observation is None:
            return ""
        if observation.status is None:
            return self.failure.headline
        return f"{observation.status} {observation.reason}".strip()

    @property
    def failure(self) -> Failure:
        """Why no response came, in words; the stored error text behind it."""
        observation = self.observation
        if observation is None:
            return Failure("", "")
        return describe(observation.error or "", kind=observation.error_kind, url=observation.url)

    @property
    def status_title(self) -> str:
        """The answer and the verdict its colour shows."""
        if self.failed:
            return self.answer
        if self._made_up_refused:
            return f"{self.answer}: a made-up verb refused, as RFC 9110 asks"
        if self._bare_preflight:
            return (
                f"{self.answer}: rejected, without the Access-Control-Allow-Origin and "
                "-Methods a browser needs"
            )
        return f"{self.answer}: {verdict_label(self.answer_verdict)}"

    @property
    def on_phantom(self) -> bool:
        """Not sent to the URL, but observed on the route template's phantom id."""
        return self.verdict is not None and self.verdict.basis is Basis.PHANTOM

    @property
    def inferred_text(self) -> str:
        how = "phantom id" if self.on_phantom else "inferred"
        return f"{self.verdict_label or 'unknown'} ({how})"

    @property
    def inferred_title(self) -> str:
        if self.on_phantom:
            return (
                "Not sent to this URL (safe policy): observed on the same route with an id "
                f"that cannot exist ({self.source or 'the phantom probe'})"
            )
        return f"Not sent (safe policy): inferred from {self.source or 'nothing'}"

    def header(self, name: str) -> str:
        value = self.observation.header(name) if self.observation else None
        return value or ""

    @property
    def allow(self) -> str:
        return self.header("allow")

    @property
    def allow_methods(self) -> str:
        return self.header("access-control-allow-methods")

    @property
    def layer_label(self) -> str:
        return self.layer.label if self.layer else ""

    @property
    def elapsed_ms(self) -> str:
        return f"{self.observation.elapsed_ms:.0f}" if self.observation else ""

    @property
    def compact_headers(self) -> list[tuple[str, str]]:
        if self.observation is None:
            return []
        names = _PREFLIGHT_SUMMARY if self.probe.startswith("preflight:") else _PLAIN_SUMMARY
        return [
            (name, value) for name in names if (value := self.observation.header(name)) is not None
        ]


def cell_for(
    probe: str,
    *,
    observation: Observation | None,
    matrix: MethodMatrix | None,
    column: str = "",
) -> Cell:
    verdict = matrix.cell(probe) if matrix else None
    layer = identify(observation) if observation is not None and observation.ok else None
    return Cell(probe, column, observation, verdict, layer)
