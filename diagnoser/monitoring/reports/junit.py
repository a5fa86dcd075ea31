"""JUnit XML: one testsuite per subject (a URL, an endpoint), one testcase per method.

A testcase fails when a warning or error finding concerns its method and no baseline
accepts it; a finding that names no method (no route, no answer) concerns every method.
CI systems (GitLab's junit report, Jenkins, GitHub test reporters) show the failure's
message and its text, so those carry the rule, the title and the fix.
"""

from xml.etree import ElementTree as ET

from diagnoser.analysis.gate import GateResult, Judged, Subject, concerns
from diagnoser.analysis.model import Severity


def junit_text(result: GateResult) -> str:
    root = ET.Element("testsuites", name="diagnoser")
    total = failed = 0
    by_subject: dict[int, list[Judged]] = {}
    for judged in result.judged:
        by_subject.setdefault(id(judged.subject), []).append(judged)
    for subject in result.subjects:
        suite, cases, failures = _suite(subject, by_subject.get(id(subject), []))
        root.append(suite)
        total, failed = total + cases, failed + failures
    root.set("tests", str(total))
    root.set("failures", str(failed))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _suite(subject: Subject, judged: list[Judged]) -> tuple[ET.Element, int, int]:
    suite = ET.Element("testsuite", name=subject.name, errors="0", skipped="0")
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", name="uri", value=subject.uri)
    failures = 0
    for case in subject.cases:
        element = ET.SubElement(suite, "testcase", classname=subject.name, name=case.method)
        if case.properties:
            case_properties = ET.SubElement(element, "properties")
            for name, value in case.properties:
                ET.SubElement(case_properties, "property", name=name, value=value)
        failing = [j for j in judged if _fails(j) and concerns(j.finding, case.method)]
        for j in failing:
            failure = ET.SubElement(
                element, "failure", type=j.finding.rule, message=j.finding.title
            )
            failure.text = _details(j)
        failures += bool(failing)
        accepted = [j for j in judged if j.baselined and concerns(j.finding, case.method)]
        if accepted:
            ET.SubElement(element, "system-out").text = "\n".join(
                f"accepted by the baseline: {j.finding.rule}: {j.finding.title}" for j in accepted
            )
    suite.set("tests", str(len(subject.cases)))
    suite.set("failures", str(failures))
    return suite, len(subject.cases), failures


def _fails(judged: Judged) -> bool:
    return not judged.baselined and judged.finding.severity.rank <= Severity.WARNING.rank


def _details(judged: Judged) -> str:
    finding = judged.finding
    lines = [f"{finding.severity.value}: {finding.rule}", finding.explanation]
    lines += [f"fix: {step}" for step in finding.fix]
    lines += [f"reproduce: {line}" for line in finding.reproduce]
    return "\n".join(lines)
