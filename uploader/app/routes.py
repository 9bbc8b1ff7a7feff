"""The pages of the journey: upload → check → plan → schedule → progress, and the downloads.

Each page reads the session's workspace, so a reload shows the same step.
Errors of the library (csvtools' and the uploader's, one line each) come
back to the page as a message; nothing here prints.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from werkzeug.utils import secure_filename

import csvtools
from csvtools import ColumnError, CsvToolsError

from ..errors import UploaderError
from . import security
from .checking import STEM_BYTES, clean_options, for_people, recheck, run_check
from .planning import PlanChoices, make_plan
from .scheduling import poll, schedule
from .workspaces import Workspace, current_workspace

pages = Blueprint("pages", __name__)
Failure = (CsvToolsError, UploaderError, ValueError, OSError)


def _state() -> Any:
    return current_app.extensions["uploader_app"]


def _page(template: str, workspace: Workspace, **values: Any) -> str:
    message, workspace.message = workspace.message, None
    return render_template(
        template, w=workspace, csrf=workspace.csrf_token, message=message, step=template[:-5], **values
    )


@pages.get("/")
def home() -> ResponseReturnValue:
    workspace = current_workspace()
    if workspace.run is not None:
        return redirect(url_for("pages.progress"))
    return redirect(url_for("pages.check" if workspace.check else "pages.upload"))


@pages.get("/upload")
def upload() -> str:
    workspace = current_workspace()
    return _page("upload.html", workspace)


@pages.post("/upload")
def receive_upload() -> ResponseReturnValue:
    workspace = current_workspace()
    given = request.files.get("file")
    if given is None or not given.filename:
        workspace.message = "Choose a CSV file or a workbook first."
        return redirect(url_for("pages.upload"))
    name = (secure_filename(given.filename) or "contacts.csv")[-STEM_BYTES:]  # a file system takes 255 bytes
    with workspace.lock:
        target = workspace.path("upload", name)
        given.save(target)
        workspace.upload_path, workspace.upload_name = target, given.filename
        workspace.corrections, workspace.check, workspace.plan, workspace.run = {}, None, None, None
        workspace.options = {key: value for key, value in workspace.options.items() if key in ("region",)}
        try:
            workspace.sheets = csvtools.sheet_names(target)
            workspace.header = csvtools.read_header(target, workspace.options.get("sheet"))
            workspace.check = run_check(workspace)
        except Failure as exc:
            hint = " (or choose the sheet and the phone column below)" if isinstance(exc, ColumnError) else ""
            workspace.message = f"{workspace.upload_name}: {exc}{hint}"
            return redirect(url_for("pages.upload"))
    return redirect(url_for("pages.check"))


@pages.post("/columns")
def choose_columns() -> ResponseReturnValue:
    """The sheet, phone column, country column and default region, changed on the upload page."""
    workspace = current_workspace()
    if workspace.upload_path is None:
        return redirect(url_for("pages.upload"))
    with workspace.lock:
        form = request.form
        sheet = form.get("sheet") or None
        shown = workspace.options.get("sheet") or (workspace.check.report.sheet if workspace.check else None)
        if sheet in workspace.sheets and sheet != shown:
            workspace.options["sheet"], workspace.corrections = sheet, {}
        for key in ("column", "region_column", "region"):
            workspace.options[key] = form.get(key, "").strip() or None
        if form.get("region_column") == "-":
            workspace.options["region_column"] = ""  # no country column, not even a detected one
        fixed_column = workspace.check.report.column if workspace.check else None
        if workspace.options["column"] not in (None, fixed_column):
            workspace.corrections = {}  # they were typed for the other column's values
        try:
            workspace.header = csvtools.read_header(workspace.upload_path, workspace.options.get("sheet"))
            workspace.check, workspace.plan = run_check(workspace), None
            if workspace.corrections and workspace.check.report.column != fixed_column:
                workspace.corrections = {}
                workspace.check = run_check(workspace)
        except Failure as exc:
            workspace.message = str(exc)
            return redirect(url_for("pages.upload"))
    return redirect(url_for("pages.check"))


@pages.get("/check")
def check() -> ResponseReturnValue:
    workspace = current_workspace()
    if workspace.check is None:
        return redirect(url_for("pages.upload"))
    return _page("check.html", workspace, c=workspace.check)


@pages.post("/recheck")
def do_recheck() -> ResponseReturnValue:
    workspace = current_workspace()
    if workspace.check is None:
        return redirect(url_for("pages.upload"))
    typed = {}
    for key, value in request.form.items():
        if key.startswith("fix-") and key[4:].isdigit():
            typed[int(key[4:])] = value
    with workspace.lock:
        before = workspace.check.report.clean
        try:
            workspace.check, workspace.plan = recheck(workspace, typed), None
        except Failure as exc:
            workspace.message = str(exc)
        else:
            moved = workspace.check.report.clean - before
            workspace.message = f"Re-checked: {moved} row{'' if moved == 1 else 's'} moved to clean."
    return redirect(url_for("pages.check"))


@pages.get("/report")
def report_frame() -> ResponseReturnValue:
    workspace = current_workspace()
    if workspace.check is None:
        abort(404, description="no file has been checked yet")
    answer = Response(workspace.check.html_path.read_text("utf-8"), mimetype="text/html")
    answer.headers["Content-Security-Policy"] = security.REPORT_CONTENT_SECURITY_POLICY
    answer.headers["X-Frame-Options"] = "SAMEORIGIN"
    return answer


@pages.get("/download/<kind>")
def download(kind: str) -> ResponseReturnValue:
    """The clean file, the rejects, the report, the results and the follow-up list, as attachments."""
    workspace = current_workspace()
    stem = Path(workspace.upload_name or "contacts").stem
    checked, run = workspace.check, workspace.run
    files: dict[str, tuple[Path | None, str, str]] = {}
    if checked is not None:
        files["clean"] = (checked.clean_path, f"{stem}.clean.csv", "text/csv")
        files["rejects"] = (checked.rejects_path, f"{stem}.rejects.csv", "text/csv")
        files["report"] = (checked.html_path, f"{stem}.report.html", "text/html")
    if workspace.plan is not None and workspace.plan.preview_path is not None:
        files["preview"] = (workspace.plan.preview_path, f"{stem}.preview.csv", "text/csv")
    if run is not None:
        files["results"] = (run.results_path, f"{stem}.results.csv", "text/csv")
        files["followup"] = (run.follow_up_path, f"{stem}.followup.csv", "text/csv")
    path, name, kind_type = files.get(kind, (None, "", ""))
    if path is None or not os.path.exists(path):
        abort(404, description=f"there is no {kind} file (yet)")
    # Files for people: formulas made inert (the rejects and results files are written that way already).
    body = for_people(path) if kind in ("clean", "followup") else path.read_bytes()
    answer = Response(body, mimetype=kind_type)
    answer.headers["Content-Disposition"] = f'attachment; filename="{secure_filename(name) or kind}"'
    if kind == "report":
        answer.headers["Content-Security-Policy"] = security.REPORT_CONTENT_SECURITY_POLICY
    return answer


@pages.post("/suppression")
def suppression() -> ResponseReturnValue:
    """A suppression list: kept for this session and checked with csvtools' rules (its scrub record shows)."""
    workspace = current_workspace()
    given = request.files.get("suppress")
    if workspace.check is None or given is None or not given.filename:
        workspace.message = "Choose a suppression list (a CSV or a plain list of numbers) first."
        return redirect(url_for("pages.plan"))
    with workspace.lock:
        target = workspace.path("suppress", (secure_filename(given.filename) or "suppress.txt")[-STEM_BYTES:])
        given.save(target)
        workspace.options["suppress"] = [str(target)]
        try:
            workspace.check, workspace.plan = run_check(workspace), None
        except Failure as exc:
            workspace.options["suppress"] = []
            workspace.message = str(exc)
    return redirect(url_for("pages.plan"))


@pages.get("/plan")
def plan() -> ResponseReturnValue:
    workspace = current_workspace()
    if workspace.check is None:
        return redirect(url_for("pages.upload"))
    settings = _state().settings
    return _page(
        "plan.html",
        workspace,
        c=workspace.check,
        p=workspace.plan,
        types=csvtools.NUMBER_TYPES,
        chosen_types=workspace.options.get("types") or csvtools.DEFAULT_TYPES,
        agent_id=workspace.plan.choices.agent_id if workspace.plan else settings.agent_id or "",
        cost_per_minute=settings.cost_per_minute,
    )


@pages.post("/plan")
def make_the_plan() -> ResponseReturnValue:
    workspace = current_workspace()
    if workspace.check is None:
        return redirect(url_for("pages.upload"))
    form = request.form
    with workspace.lock:
        try:
            types = form.getlist("types")
            if types and sorted(types) != sorted(workspace.options.get("types") or csvtools.DEFAULT_TYPES):
                workspace.options["types"] = types
                workspace.check = run_check(workspace)
            choices = PlanChoices(
                agent_id=form.get("agent_id", "").strip(),
                at=form.get("at", "").strip() or None,
                tz=form.get("tz", "").strip() or "UTC",
                avg_call_seconds=float(form.get("avg_call_seconds") or 90),
                cost_per_minute=float(form["cost_per_minute"]) if form.get("cost_per_minute") else None,
                split=form.get("outside") == "split",
                allow_outside=form.get("outside") == "allow",
                retries=int(form.get("retries") or 0),
            )
            if not choices.agent_id:
                raise ValueError("give the agent id (BOLNA_AGENT_ID sets it for every start)")
            workspace.plan = make_plan(
                _state().client_factory(),
                workspace.check,
                choices,
                clean_options(workspace),
                workspace.path("plan", "preview.csv"),
            )
        except Failure as exc:
            workspace.message = str(exc)
    return redirect(url_for("pages.plan"))


@pages.post("/schedule")
def do_schedule() -> ResponseReturnValue:
    workspace = current_workspace()
    if workspace.plan is None:
        workspace.message = "Make the plan first."
        return redirect(url_for("pages.plan"))
    if request.form.get("plan", workspace.plan.key) != workspace.plan.key:
        workspace.message = (
            "The plan changed since this page was shown (another tab?): check it, then schedule."
        )
        return redirect(url_for("pages.plan"))
    state = _state()
    with state.schedule_lock, workspace.lock:  # a second press waits, then resumes the same batch
        earlier = [*workspace.run.events, "pressed again:"] if workspace.run else []
        try:
            workspace.run = schedule(
                state.client_factory(),
                state.ledger_factory(),
                workspace,
                workspace.plan.choices,
                state.runs_root,
            )
            workspace.run.events[:0] = earlier
        except Failure as exc:
            workspace.message = str(exc)
            return redirect(url_for("pages.progress" if workspace.run else "pages.plan"))
    return redirect(url_for("pages.progress"))


@pages.get("/progress")
def progress() -> ResponseReturnValue:
    workspace = current_workspace()
    if workspace.run is None:
        return redirect(url_for("pages.plan" if workspace.check else "pages.upload"))
    _poll(workspace)
    return _page("progress.html", workspace, r=workspace.run)


@pages.get("/progress.json")
def progress_json() -> ResponseReturnValue:
    workspace = current_workspace()
    if workspace.run is None:
        abort(404, description="nothing has been scheduled in this session")
    _poll(workspace)
    return jsonify(workspace.run.to_dict())


def _poll(workspace: Workspace) -> None:
    run = workspace.run
    if run is None:
        return
    with workspace.lock:
        try:
            poll(_state().client_factory(), run, workspace.subfolder("results"))
        except Failure as exc:
            run.outage = str(exc)
