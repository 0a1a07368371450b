"""The presence selector while the agent is on a call or in its after-call work.

The backend's presence stays what the agent chose (available/away/offline); the call is what makes
the agent busy. The agent's own desk shows it in the presence selector as an extra, disabled entry
("On a call", "After-call work") that stands in for the presence until the wrap-up, then goes away
and the selector shows the agent's presence again. Choosing another presence meanwhile still works
(it applies once the call is wrapped up).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QComboBox

from workstation.services.voice import DeskState

# The item's data: never a Presence value, so it cannot be requested from the backend.
CALL_ITEM = "call"


def desk_state_text(state: str) -> str:
    if state == DeskState.ON_CALL:
        return QCoreApplication.translate("CallPresence", "On a call")
    if state == DeskState.AFTER_CALL_WORK:
        return QCoreApplication.translate("CallPresence", "After-call work")
    return ""


def show_call_presence(combo: QComboBox, state: str, presence: str) -> None:
    """Show `state` (a DeskState value) in `combo`, or the agent's `presence` when there is none."""
    index = combo.findData(CALL_ITEM)
    text = desk_state_text(state)
    if not text:
        if index >= 0:
            combo.removeItem(index)
        back = combo.findData(presence)
        if back >= 0:
            combo.setCurrentIndex(back)
        return
    if index < 0:
        index = combo.count()
        combo.addItem(text, CALL_ITEM)
        model = combo.model()
        if isinstance(model, QStandardItemModel):  # shown, never chosen: the call ends it
            item = model.item(index)
            if item is not None:
                item.setEnabled(False)
    combo.setItemText(index, text)
    combo.setCurrentIndex(index)
