<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>AboutDialog</name>
    <message>
        <source>About</source>
        <extracomment>(distribution, licence when its metadata does not say): what the application ships. Parts that are not Python distributions.</extracomment>
        <translation>Über</translation>
    </message>
    <message>
        <source>Agent workstation {0}</source>
        <translation>Agenten-Arbeitsplatz {0}</translation>
    </message>
    <message>
        <source>Versions</source>
        <translation>Versionen</translation>
    </message>
    <message>
        <source>Third-party software and licences</source>
        <translation>Software Dritter und Lizenzen</translation>
    </message>
    <message>
        <source>About Qt</source>
        <translation>Über Qt</translation>
    </message>
</context>
<context>
    <name>AgentRosterModel</name>
    <message>
        <source>set by {0}</source>
        <extracomment>Raw values for sorting (numbers sort as numbers, states in a useful order).</extracomment>
        <translation>gesetzt von {0}</translation>
    </message>
    <message>
        <source>Agent</source>
        <translation>Agent</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Time in state</source>
        <translation>Zeit im Status</translation>
    </message>
    <message>
        <source>Chats</source>
        <translation>Chats</translation>
    </message>
    <message>
        <source>Skills</source>
        <translation>Fähigkeiten</translation>
    </message>
    <message>
        <source>Languages</source>
        <translation>Sprachen</translation>
    </message>
    <message>
        <source>Handled today</source>
        <translation>Heute bearbeitet</translation>
    </message>
    <message>
        <source>since {0}</source>
        <translation>seit {0}</translation>
    </message>
</context>
<context>
    <name>CallPanel</name>
    <message>
        <source>Connecting…</source>
        <translation>Verbinde …</translation>
    </message>
    <message>
        <source>On the call</source>
        <translation>Im Gespräch</translation>
    </message>
    <message>
        <source>On hold</source>
        <translation>Gehalten</translation>
    </message>
    <message>
        <source>Call ended: after-call work (Ctrl+W to wrap up)</source>
        <translation>Anruf beendet: Nachbearbeitung (Strg+W zum Abschließen)</translation>
    </message>
    <message>
        <source>Hold</source>
        <extracomment>During after-call work: how long until the backend wraps up by itself.</extracomment>
        <translation>Halten</translation>
    </message>
    <message>
        <source>Mute</source>
        <translation>Stumm</translation>
    </message>
    <message>
        <source>Transfer to agent or number</source>
        <translation>An Agent oder Nummer weiterleiten</translation>
    </message>
    <message>
        <source>Transfer</source>
        <translation>Weiterleiten</translation>
    </message>
    <message>
        <source>Hang up</source>
        <translation>Auflegen</translation>
    </message>
    <message>
        <source>withheld number</source>
        <translation>unterdrückte Nummer</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>Fortsetzen</translation>
    </message>
    <message>
        <source>Wrap-up due in {0}</source>
        <translation>Nachbearbeitung endet in {0}</translation>
    </message>
</context>
<context>
    <name>CallPresence</name>
    <message>
        <source>On a call</source>
        <translation>Im Gespräch</translation>
    </message>
    <message>
        <source>After-call work</source>
        <translation>Nachbearbeitung</translation>
    </message>
</context>
<context>
    <name>CallPreview</name>
    <message>
        <source>Looking at the history…</source>
        <translation>Verlauf wird angesehen…</translation>
    </message>
    <message>
        <source>Find the caller: name, number or e-mail</source>
        <translation>Anrufer suchen: Name, Nummer oder E-Mail</translation>
    </message>
    <message>
        <source>Find</source>
        <translation>Suchen</translation>
    </message>
    <message>
        <source>This is the caller</source>
        <translation>Das ist der Anrufer</translation>
    </message>
    <message>
        <source>Link this call to the customer selected above</source>
        <translation>Diesen Anruf dem oben gewählten Kunden zuordnen</translation>
    </message>
    <message>
        <source>Next best actions: {0}</source>
        <translation>Nächste sinnvolle Schritte: {0}</translation>
    </message>
    <message>
        <source>Nothing in the history calls for attention.</source>
        <translation>Im Verlauf fällt nichts auf.</translation>
    </message>
    <message>
        <source>No customer matches.</source>
        <translation>Kein Kunde passt.</translation>
    </message>
    <message>
        <source>Call linked to {0}</source>
        <translation>Anruf {0} zugeordnet</translation>
    </message>
</context>
<context>
    <name>CobrowseView</name>
    <message>
        <source>QtWebEngine is not available ({0}).</source>
        <translation>QtWebEngine ist nicht verfügbar ({0}).</translation>
    </message>
    <message>
        <source>Pointer</source>
        <translation>Zeiger</translation>
    </message>
    <message>
        <source>Show the customer where your mouse points</source>
        <translation>Dem Kunden zeigen, wohin Ihre Maus zeigt</translation>
    </message>
    <message>
        <source>Highlight</source>
        <translation>Hervorheben</translation>
    </message>
    <message>
        <source>Click an element to highlight it on the customer&apos;s screen</source>
        <translation>Klicken Sie auf ein Element, um es auf dem Bildschirm des Kunden hervorzuheben</translation>
    </message>
    <message>
        <source>Text view</source>
        <translation>Textansicht</translation>
    </message>
    <message>
        <source>Show the page as text (also when the live view is unavailable)</source>
        <translation>Die Seite als Text zeigen (auch wenn die Live-Ansicht nicht verfügbar ist)</translation>
    </message>
    <message>
        <source>Page of the same site, e.g. /shop/help/returns</source>
        <translation>Seite derselben Website, z. B. /shop/hilfe/ruecksendung</translation>
    </message>
    <message>
        <source>Send page</source>
        <translation>Seite senden</translation>
    </message>
    <message>
        <source>Ask the customer to go to this page</source>
        <translation>Den Kunden bitten, diese Seite zu öffnen</translation>
    </message>
    <message>
        <source>End cobrowse</source>
        <translation>Co-Browsing beenden</translation>
    </message>
    <message>
        <source>Waiting for the customer&apos;s page…</source>
        <translation>Warte auf die Seite des Kunden …</translation>
    </message>
    <message>
        <source>Live view unavailable: {0} Showing the page as text.</source>
        <translation>Live-Ansicht nicht verfügbar: {0} Die Seite wird als Text gezeigt.</translation>
    </message>
    <message>
        <source>Connection to the customer&apos;s page: {0}</source>
        <translation>Verbindung zur Seite des Kunden: {0}</translation>
    </message>
    <message>
        <source>(no title)</source>
        <translation>(ohne Titel)</translation>
    </message>
    <message>
        <source>Headings:</source>
        <translation>Überschriften:</translation>
    </message>
    <message>
        <source>Form fields:</source>
        <translation>Formularfelder:</translation>
    </message>
    <message>
        <source>checked</source>
        <translation>angekreuzt</translation>
    </message>
    <message>
        <source>not checked</source>
        <translation>nicht angekreuzt</translation>
    </message>
    <message>
        <source>(masked)</source>
        <translation>(verdeckt)</translation>
    </message>
    <message>
        <source>(empty)</source>
        <translation>(leer)</translation>
    </message>
    <message numerus="yes">
        <source>%n region(s) hidden by the customer&apos;s page (e.g. card details).</source>
        <translation>
            <numerusform>%n Bereich von der Seite des Kunden verborgen (z. B. Kartendaten).</numerusform>
            <numerusform>%n Bereiche von der Seite des Kunden verborgen (z. B. Kartendaten).</numerusform>
        </translation>
    </message>
    <message>
        <source>Links:</source>
        <translation>Links:</translation>
    </message>
    <message>
        <source>Highlighted for the customer: {0}</source>
        <translation>Für den Kunden hervorgehoben: {0}</translation>
    </message>
    <message>
        <source>Sent to the customer: {0}</source>
        <translation>An den Kunden gesendet: {0}</translation>
    </message>
</context>
<context>
    <name>ConflictDialog</name>
    <message>
        <source>Changed in {0}: {1}</source>
        <translation>In {0} geändert: {1}</translation>
    </message>
    <message>
        <source>&lt;b&gt;{0}&lt;/b&gt; of &lt;b&gt;{1}&lt;/b&gt; was changed in {2} and in the desk since they last agreed. Choose which value to keep; nothing is written until you do.</source>
        <translation>&lt;b&gt;{0}&lt;/b&gt; von &lt;b&gt;{1}&lt;/b&gt; wurde in {2} und am Arbeitsplatz geändert, seit beide zuletzt übereinstimmten. Wählen Sie, welcher Wert bleibt; bis dahin wird nichts geschrieben.</translation>
    </message>
    <message>
        <source>Changed meanwhile: {0}</source>
        <translation>Inzwischen geändert: {0}</translation>
    </message>
    <message>
        <source>&lt;b&gt;{0}&lt;/b&gt; of &lt;b&gt;{1}&lt;/b&gt; was changed by someone else ({2}) while your change was waiting to be sent. Choose which value to keep; nothing is saved until you do.</source>
        <translation>&lt;b&gt;{0}&lt;/b&gt; von &lt;b&gt;{1}&lt;/b&gt; wurde von jemand anderem ({2}) geändert, während Ihre Änderung auf das Senden wartete. Wählen Sie, welcher Wert bleibt; gespeichert wird erst dann.</translation>
    </message>
    <message>
        <source>&lt;b&gt;{0}&lt;/b&gt; of &lt;b&gt;{1}&lt;/b&gt; was changed by someone else while your change was waiting to be sent. Choose which value to keep; nothing is saved until you do.</source>
        <translation>&lt;b&gt;{0}&lt;/b&gt; von &lt;b&gt;{1}&lt;/b&gt; wurde von jemand anderem geändert, während Ihre Änderung auf das Senden wartete. Wählen Sie, welcher Wert bleibt; gespeichert wird erst dann.</translation>
    </message>
    <message>
        <source>Field</source>
        <translation>Feld</translation>
    </message>
    <message>
        <source>Before (base)</source>
        <translation>Vorher (Ausgangswert)</translation>
    </message>
    <message>
        <source>Saved meanwhile (theirs)</source>
        <translation>Inzwischen gespeichert (fremd)</translation>
    </message>
    <message>
        <source>In {0} (theirs)</source>
        <translation>In {0} (fremd)</translation>
    </message>
    <message>
        <source>Yours (mine)</source>
        <translation>Ihrer (meiner)</translation>
    </message>
    <message>
        <source>Keep the chosen values</source>
        <translation>Gewählte Werte behalten</translation>
    </message>
    <message>
        <source>Decide later</source>
        <translation>Später entscheiden</translation>
    </message>
    <message>
        <source>Your other changes ({0}) do not collide and are kept.</source>
        <translation>Ihre anderen Änderungen ({0}) stehen nicht im Konflikt und bleiben erhalten.</translation>
    </message>
</context>
<context>
    <name>ConnectorConflictsModel</name>
    <message>
        <source>Customer</source>
        <translation>Kunde</translation>
    </message>
    <message>
        <source>Field</source>
        <translation>Feld</translation>
    </message>
    <message>
        <source>Upstream value</source>
        <translation>Wert im Quellsystem</translation>
    </message>
    <message>
        <source>Desk value</source>
        <translation>Wert am Arbeitsplatz</translation>
    </message>
    <message>
        <source>When</source>
        <translation>Seit</translation>
    </message>
</context>
<context>
    <name>ConnectorConflictsPage</name>
    <message>
        <source>Refresh</source>
        <translation>Aktualisieren</translation>
    </message>
    <message>
        <source>Load more</source>
        <translation>Mehr laden</translation>
    </message>
    <message>
        <source>Connector:</source>
        <translation>Konnektor:</translation>
    </message>
    <message>
        <source>No connector is configured.</source>
        <translation>Kein Konnektor ist eingerichtet.</translation>
    </message>
    <message>
        <source>No open conflicts.</source>
        <translation>Keine offenen Konflikte.</translation>
    </message>
    <message numerus="yes">
        <source>%n conflict(s) shown, more to load</source>
        <translation>
            <numerusform>%n Konflikt angezeigt, weitere zu laden</numerusform>
            <numerusform>%n Konflikte angezeigt, weitere zu laden</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n open conflict(s)</source>
        <translation>
            <numerusform>%n offener Konflikt</numerusform>
            <numerusform>%n offene Konflikte</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ConversationTabs</name>
    <message>
        <source>No open conversations.
New chats are offered here as they arrive.</source>
        <translation>Keine offenen Gespräche.
Neue Chats werden hier angeboten, sobald sie eintreffen.</translation>
    </message>
    <message>
        <source>No open conversations.
Set yourself Available (Ctrl+1) to receive chats.</source>
        <translation>Keine offenen Gespräche.
Setzen Sie sich auf Verfügbar (Strg+1), um Chats zu erhalten.</translation>
    </message>
</context>
<context>
    <name>ConversationView</name>
    <message>
        <source>Conversation with {0}</source>
        <extracomment>(conversation_id, customer_id, event_id): open a past conversation of the history read-only (customer_id): the agent scrolled past the cached history (customer_id) / (customer_id, text) / (customer_id, note_id, text)</extracomment>
        <translation>Gespräch mit {0}</translation>
    </message>
    <message>
        <source>Type a reply — Enter sends, Shift+Enter for a new line</source>
        <translation>Antwort schreiben — Eingabe sendet, Umschalt+Eingabe für eine neue Zeile</translation>
    </message>
    <message>
        <source>Reply to {0}</source>
        <translation>Antwort an {0}</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>Senden</translation>
    </message>
    <message>
        <source>no topic</source>
        <translation>kein Thema</translation>
    </message>
    <message>
        <source>Invite to cobrowse</source>
        <translation>Zum Co-Browsing einladen</translation>
    </message>
    <message>
        <source>Checking whether the customer is on the web site…</source>
        <translation>Prüfe, ob der Kunde auf der Website ist …</translation>
    </message>
    <message>
        <source>History</source>
        <translation>Verlauf</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>Notizen</translation>
    </message>
    <message>
        <source>Notes ({0}, {1} not sent)</source>
        <translation>Notizen ({0}, {1} nicht gesendet)</translation>
    </message>
    <message>
        <source>Notes ({0})</source>
        <translation>Notizen ({0})</translation>
    </message>
    <message>
        <source>The history filter was cleared to show that event.</source>
        <translation>Der Verlaufsfilter wurde geleert, um dieses Ereignis zu zeigen.</translation>
    </message>
    <message>
        <source>That event is not in the loaded history yet.</source>
        <translation>Dieses Ereignis ist noch nicht im geladenen Verlauf.</translation>
    </message>
</context>
<context>
    <name>CustomerEditDialog</name>
    <message>
        <source>Contact details of {0}</source>
        <translation>Kontaktdaten von {0}</translation>
    </message>
    <message>
        <source>Saved at once on this desktop and sent when the backend is reachable. If someone else changed the same field meanwhile, you will be asked which value to keep.</source>
        <translation>Sofort auf diesem Arbeitsplatz gespeichert und gesendet, sobald der Server erreichbar ist. Hat jemand anderes dasselbe Feld inzwischen geändert, werden Sie gefragt, welcher Wert bleibt.</translation>
    </message>
</context>
<context>
    <name>CustomerHeader</name>
    <message>
        <source>Edit details…</source>
        <extracomment>Room under the last card (pixels), and the least the cards get (the &quot;hidden&quot; toggle and a note).</extracomment>
        <translation>Daten bearbeiten …</translation>
    </message>
    <message>
        <source>Open in {0}</source>
        <translation>In {0} öffnen</translation>
    </message>
    <message>
        <source> (not sent yet)</source>
        <translation> (noch nicht gesendet)</translation>
    </message>
    <message>
        <source>Saved on this desktop, not sent yet</source>
        <translation>Auf diesem Arbeitsplatz gespeichert, noch nicht gesendet</translation>
    </message>
    <message>
        <source>⚠ changed by someone else meanwhile: decide in the status bar</source>
        <translation>⚠ inzwischen von jemand anderem geändert: entscheiden Sie in der Statusleiste</translation>
    </message>
    <message>
        <source>Loading customer record…</source>
        <translation>Lade Kundendaten …</translation>
    </message>
    <message>
        <source>Tier: {0}</source>
        <translation>Stufe: {0}</translation>
    </message>
    <message>
        <source>CLV: {0}</source>
        <translation>Kundenwert: {0}</translation>
    </message>
    <message>
        <source>Language: {0}</source>
        <translation>Sprache: {0}</translation>
    </message>
</context>
<context>
    <name>DeskController</name>
    <message>
        <source>Could not link the call: {0}</source>
        <extracomment>Opening a conversation: the cache read and ranking off the GUI thread, then one &quot;ready&quot;. Ringing calls&apos; previews on their offer cards, by offer id (gone with the card). tabs built while the conversation service reads their conversation (shown once ready)</extracomment>
        <translation>Der Anruf konnte nicht zugeordnet werden: {0}</translation>
    </message>
    <message>
        <source>Incoming call offered: {0}</source>
        <translation>Anruf angeboten: {0}</translation>
    </message>
    <message>
        <source>New chat offered: {0}</source>
        <translation>Neuer Chat angeboten: {0}</translation>
    </message>
    <message>
        <source>An offer timed out and went back to the queue.</source>
        <translation>Ein Angebot ist abgelaufen und zurück in die Warteschlange gegangen.</translation>
    </message>
    <message>
        <source>Could not accept: {0}</source>
        <translation>Annehmen nicht möglich: {0}</translation>
    </message>
    <message>
        <source>This conversation&apos;s history could not be read from the local cache: {0}</source>
        <translation>Der Verlauf dieses Gesprächs konnte nicht aus dem lokalen Zwischenspeicher gelesen werden: {0}</translation>
    </message>
    <message>
        <source>Not delivered</source>
        <translation>Nicht zugestellt</translation>
    </message>
    <message>
        <source>Updated {0}</source>
        <translation>Aktualisiert {0}</translation>
    </message>
    <message>
        <source>Loading from the backend…</source>
        <translation>Lade vom Server …</translation>
    </message>
    <message>
        <source>From the local cache (as of {0}), refreshing…</source>
        <translation>Aus dem lokalen Zwischenspeicher (Stand {0}), wird aktualisiert …</translation>
    </message>
    <message>
        <source>⚠ Offline since {0}: nothing cached for this customer yet</source>
        <translation>⚠ Offline seit {0}: für diesen Kunden noch nichts zwischengespeichert</translation>
    </message>
    <message>
        <source>⚠ Offline since {0}: shown as of {1}, may be out of date</source>
        <translation>⚠ Offline seit {0}: Stand {1}, möglicherweise veraltet</translation>
    </message>
    <message>
        <source>{0} — {1}</source>
        <translation>{0} — {1}</translation>
    </message>
    <message>
        <source>✓ Done: {0}</source>
        <translation>✓ Erledigt: {0}</translation>
    </message>
    <message>
        <source>Dismissed ({0}): {1}</source>
        <translation>Verworfen ({0}): {1}</translation>
    </message>
    <message>
        <source>Could not invite to cobrowse: {0}</source>
        <translation>Einladung zum Co-Browsing nicht möglich: {0}</translation>
    </message>
    <message>
        <source>No wrap-up codes are available (offline?).</source>
        <translation>Keine Abschlusscodes verfügbar (offline?).</translation>
    </message>
</context>
<context>
    <name>HistoryPanel</name>
    <message>
        <source>Search the history…</source>
        <extracomment>Longest upstream link the history offers to open.</extracomment>
        <translation>Verlauf durchsuchen …</translation>
    </message>
    <message>
        <source>Best matches first</source>
        <translation>Beste Treffer zuerst</translation>
    </message>
    <message>
        <source>List the events that match the search best first, not the newest first</source>
        <translation>Die Ereignisse, die am besten zur Suche passen, zuerst zeigen, nicht die neuesten</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>Kanal</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Art</translation>
    </message>
    <message>
        <source>Only the {0} phase of the journey</source>
        <translation>Nur die Phase „{0}“ der Kundenreise</translation>
    </message>
    <message>
        <source>Only open issues</source>
        <translation>Nur offene Anliegen</translation>
    </message>
    <message>
        <source>Unresolved contacts, open complaints, delays, failed payments, pending returns</source>
        <translation>Ungelöste Kontakte, offene Beschwerden, Verzögerungen, fehlgeschlagene Zahlungen, offene Rücksendungen</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Leeren</translation>
    </message>
    <message>
        <source>Open transcript</source>
        <translation>Verlauf öffnen</translation>
    </message>
    <message>
        <source>Channel ({0})</source>
        <translation>Kanal ({0})</translation>
    </message>
    <message>
        <source>Kind ({0})</source>
        <translation>Art ({0})</translation>
    </message>
    <message>
        <source>open</source>
        <translation>offen</translation>
    </message>
    <message>
        <source>settled</source>
        <translation>erledigt</translation>
    </message>
    <message>
        <source>… {0} earlier, </source>
        <translation>… {0} früher, </translation>
    </message>
    <message>
        <source>Open in %s</source>
        <translation>In %s öffnen</translation>
    </message>
    <message>
        <source>Logged by: %s</source>
        <translation>Erfasst von: %s</translation>
    </message>
    <message>
        <source>{0} events</source>
        <translation>{0} Ereignisse</translation>
    </message>
    <message>
        <source>{0} matching</source>
        <translation>{0} passend</translation>
    </message>
    <message>
        <source>start of history</source>
        <translation>Beginn des Verlaufs</translation>
    </message>
    <message>
        <source>older history not cached (offline)</source>
        <translation>älterer Verlauf nicht zwischengespeichert (offline)</translation>
    </message>
    <message>
        <source>scroll for more</source>
        <translation>für mehr weiterscrollen</translation>
    </message>
    <message>
        <source>loading older history…</source>
        <translation>lade älteren Verlauf …</translation>
    </message>
</context>
<context>
    <name>LiveReplay</name>
    <message>
        <source>The rrweb web assets are not installed (run `npm ci --prefix workstation/web`).</source>
        <extracomment>The replay page&apos;s own origin: the desk serves it (inlined, by setHtml), nothing is ever fetched from it. The customer&apos;s site (the shop, even when the backend serves it) is a third party here. Schemes that carry their content in the URL itself (rrweb uses them for inlined images and canvases); none reaches the network. Blocked addresses remembered for diagnostics and tests (the count goes on). How long the replay page may take to come up before the view falls back to text.</extracomment>
        <translation>Die rrweb-Webdateien sind nicht installiert (`npm ci --prefix workstation/web` ausführen).</translation>
    </message>
    <message>
        <source>QtWebChannel&apos;s script is missing from this Qt installation.</source>
        <translation>Das Skript von QtWebChannel fehlt in dieser Qt-Installation.</translation>
    </message>
    <message>
        <source>The live view did not start in time.</source>
        <extracomment>The latest blocked addresses (up to BLOCKED_KEPT), for diagnostics and tests.</extracomment>
        <translation>Die Live-Ansicht ist nicht rechtzeitig gestartet.</translation>
    </message>
    <message>
        <source>The live view&apos;s page did not load.</source>
        <translation>Die Seite der Live-Ansicht wurde nicht geladen.</translation>
    </message>
    <message>
        <source>The live view&apos;s renderer stopped ({0}, code {1}).</source>
        <translation>Der Renderer der Live-Ansicht wurde beendet ({0}, Code {1}).</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>Sign in</source>
        <translation>Anmelden</translation>
    </message>
    <message>
        <source>Remember me on this computer (system keychain)</source>
        <translation>Auf diesem Computer angemeldet bleiben (Schlüsselbund des Systems)</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>Server</translation>
    </message>
    <message>
        <source>User</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Passwort</translation>
    </message>
    <message>
        <source>Plain HTTP is only allowed to this computer; use https://</source>
        <translation>Unverschlüsseltes HTTP ist nur zu diesem Computer erlaubt; verwenden Sie https://</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Agent workstation</source>
        <translation>Agenten-Arbeitsplatz</translation>
    </message>
    <message>
        <source>Presence</source>
        <extracomment>The signed-in desk (set by DeskController); None while connecting or signed out. Team leads: the queue monitor in place of the conversations. Help ▸ Save diagnostics and File ▸ Settings, set once they loaded (after the first paint). Writes waiting in the outbox; quitting asks when there are any, and after the agent said yes. What screen readers were last told (tests read it; Qt gives no way to listen).</extracomment>
        <translation>Status</translation>
    </message>
    <message>
        <source> Presence: </source>
        <translation> Status: </translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <source>Play a sound for new offers</source>
        <translation>Ton bei neuen Angeboten abspielen</translation>
    </message>
    <message>
        <source>Desktop notification for new offers</source>
        <translation>Desktop-Benachrichtigung bei neuen Angeboten</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>&amp;Einstellungen …</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>&amp;Conversation</source>
        <translation>&amp;Gespräch</translation>
    </message>
    <message>
        <source>&amp;Accept offer</source>
        <translation>Angebot &amp;annehmen</translation>
    </message>
    <message>
        <source>&amp;Decline offer</source>
        <translation>Angebot a&amp;blehnen</translation>
    </message>
    <message>
        <source>&amp;Reply</source>
        <translation>Ant&amp;worten</translation>
    </message>
    <message>
        <source>&amp;Close and wrap up…</source>
        <translation>Ab&amp;schließen …</translation>
    </message>
    <message>
        <source>&amp;Next conversation</source>
        <translation>&amp;Nächstes Gespräch</translation>
    </message>
    <message>
        <source>&amp;Previous conversation</source>
        <translation>&amp;Vorheriges Gespräch</translation>
    </message>
    <message>
        <source>&amp;Presence</source>
        <translation>&amp;Status</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <source>&amp;Keyboard shortcuts</source>
        <translation>&amp;Tastenkürzel</translation>
    </message>
    <message>
        <source>Save &amp;diagnostics…</source>
        <translation>&amp;Diagnose speichern …</translation>
    </message>
    <message>
        <source>A zip file for IT support: logs, versions and configuration, without tokens or customer data</source>
        <translation>Eine ZIP-Datei für den IT-Support: Protokolle, Versionen und Konfiguration, ohne Tokens und Kundendaten</translation>
    </message>
    <message>
        <source>&amp;About</source>
        <translation>Ü&amp;ber</translation>
    </message>
    <message>
        <source>You missed an offer and were set to Away.</source>
        <translation>Sie haben ein Angebot verpasst und wurden auf Abwesend gesetzt.</translation>
    </message>
    <message>
        <source>Your team lead ({0}) set you to {1}.</source>
        <translation>Ihre Teamleitung ({0}) hat Sie auf {1} gesetzt.</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>Tastenkürzel</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>Tasten</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>Aktion</translation>
    </message>
    <message>
        <source>{0} (and {1} more)</source>
        <translation>{0} (und {1} weitere)</translation>
    </message>
    <message>
        <source>Configuration problem: {0}</source>
        <translation>Konfigurationsproblem: {0}</translation>
    </message>
    <message>
        <source>Save diagnostics</source>
        <translation>Diagnose speichern</translation>
    </message>
    <message>
        <source>Zip archives (*.zip)</source>
        <translation>ZIP-Archive (*.zip)</translation>
    </message>
    <message>
        <source>The diagnostics could not be saved to {0}: {1}</source>
        <translation>Die Diagnose konnte nicht unter {0} gespeichert werden: {1}</translation>
    </message>
    <message>
        <source>Diagnostics saved to {0}</source>
        <translation>Diagnose gespeichert unter {0}</translation>
    </message>
    <message>
        <source>Settings are not available in this session.</source>
        <translation>Einstellungen sind in dieser Sitzung nicht verfügbar.</translation>
    </message>
    <message>
        <source>Saved. Language and server change at the next start.</source>
        <translation>Gespeichert. Sprache und Server ändern sich beim nächsten Start.</translation>
    </message>
    <message>
        <source>Queue monitor — Agent workstation</source>
        <translation>Warteschlangen-Monitor — Agenten-Arbeitsplatz</translation>
    </message>
    <message>
        <source>Starting the embedded backend…</source>
        <extracomment>How long the loading waits for the window&apos;s first paint (a real display may expose it late; offscreen it paints inside show()).</extracomment>
        <translation>Der eingebaute Demo-Server startet …</translation>
    </message>
    <message>
        <source>Offline data updated.</source>
        <translation>Offline-Daten aktualisiert.</translation>
    </message>
    <message>
        <source>Updating your offline data…</source>
        <translation>Ihre Offline-Daten werden aktualisiert …</translation>
    </message>
    <message>
        <source>The built-in demo server did not start; the log in {0} says why.</source>
        <translation>Der eingebaute Demo-Server ist nicht gestartet; das Protokoll in {0} nennt den Grund.</translation>
    </message>
    <message>
        <source>The server cannot be reached: {0}</source>
        <translation>Der Server ist nicht erreichbar: {0}</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Verbinde …</translation>
    </message>
</context>
<context>
    <name>MonitorCharts</name>
    <message>
        <source>Waiting</source>
        <translation>Wartezeit</translation>
    </message>
    <message>
        <source>Service level %</source>
        <translation>Servicelevel %</translation>
    </message>
    <message>
        <source>Agents</source>
        <translation>Agenten</translation>
    </message>
</context>
<context>
    <name>NotesPanel</name>
    <message>
        <source>Write a note about the customer — Ctrl+Enter saves</source>
        <translation>Notiz zum Kunden schreiben — Strg+Eingabe speichert</translation>
    </message>
    <message>
        <source>Add note</source>
        <translation>Notiz hinzufügen</translation>
    </message>
    <message>
        <source>Edit selected</source>
        <translation>Auswahl bearbeiten</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Save changes</source>
        <translation>Änderungen speichern</translation>
    </message>
    <message>
        <source>Editing a note</source>
        <translation>Notiz wird bearbeitet</translation>
    </message>
</context>
<context>
    <name>Notifier</name>
    <message>
        <source>Agent workstation</source>
        <translation>Agenten-Arbeitsplatz</translation>
    </message>
    <message>
        <source>New chat: {0}</source>
        <translation>Neuer Chat: {0}</translation>
    </message>
</context>
<context>
    <name>OfferCard</name>
    <message>
        <source>withheld number</source>
        <translation>unterdrückte Nummer</translation>
    </message>
    <message>
        <source>unknown caller {0}</source>
        <translation>unbekannter Anrufer {0}</translation>
    </message>
    <message>
        <source>topic: {0}</source>
        <translation>Thema: {0}</translation>
    </message>
    <message>
        <source>Chat started on {0}</source>
        <translation>Chat begonnen auf {0}</translation>
    </message>
    <message>
        <source>Why: {0}</source>
        <translation>Warum: {0}</translation>
    </message>
    <message>
        <source>Why this offer</source>
        <translation>Warum dieses Angebot</translation>
    </message>
    <message>
        <source>&amp;Accept</source>
        <translation>&amp;Annehmen</translation>
    </message>
    <message>
        <source>Accept (Ctrl+Shift+A)</source>
        <translation>Annehmen (Strg+Umschalt+A)</translation>
    </message>
    <message>
        <source>&amp;Decline</source>
        <translation>A&amp;blehnen</translation>
    </message>
    <message>
        <source>Decline (Ctrl+Shift+D)</source>
        <translation>Ablehnen (Strg+Umschalt+D)</translation>
    </message>
    <message>
        <source>Accept the chat with {0}</source>
        <translation>Den Chat mit {0} annehmen</translation>
    </message>
    <message>
        <source>Decline the chat with {0}</source>
        <translation>Den Chat mit {0} ablehnen</translation>
    </message>
    <message numerus="yes">
        <source>%n s left</source>
        <translation>
            <numerusform>noch %n s</numerusform>
            <numerusform>noch %n s</numerusform>
        </translation>
    </message>
    <message>
        <source>Timed out</source>
        <translation>Abgelaufen</translation>
    </message>
</context>
<context>
    <name>OsError</name>
    <message>
        <source>Permission denied</source>
        <extracomment>The file-system failures an agent meets (saving diagnostics, exports): the C library words them in English whatever the desktop&apos;s language, so the common ones are the catalogue&apos;s.</extracomment>
        <translation>Zugriff verweigert</translation>
    </message>
    <message>
        <source>No such file or folder</source>
        <translation>Datei oder Ordner nicht gefunden</translation>
    </message>
    <message>
        <source>A part of the path is not a folder</source>
        <translation>Ein Teil des Pfads ist kein Ordner</translation>
    </message>
    <message>
        <source>That is a folder</source>
        <translation>Das ist ein Ordner</translation>
    </message>
    <message>
        <source>No space left on the drive</source>
        <translation>Kein Platz mehr auf dem Laufwerk</translation>
    </message>
    <message>
        <source>The drive is read-only</source>
        <translation>Das Laufwerk ist schreibgeschützt</translation>
    </message>
    <message>
        <source>The file exists already</source>
        <translation>Die Datei gibt es schon</translation>
    </message>
</context>
<context>
    <name>QueueMonitorView</name>
    <message>
        <source>Queue monitor</source>
        <translation>Warteschlangen-Monitor</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Verbinde …</translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation>CSV exportieren …</translation>
    </message>
    <message>
        <source>Filter: name, skill, language…</source>
        <translation>Filter: Name, Fähigkeit, Sprache …</translation>
    </message>
    <message>
        <source>All states</source>
        <translation>Alle Status</translation>
    </message>
    <message>
        <source>Selected queue only</source>
        <translation>Nur gewählte Warteschlange</translation>
    </message>
    <message>
        <source>Set Available</source>
        <translation>Auf Verfügbar setzen</translation>
    </message>
    <message>
        <source>Set Away</source>
        <translation>Auf Abwesend setzen</translation>
    </message>
    <message>
        <source>Sign off</source>
        <translation>Abmelden</translation>
    </message>
    <message>
        <source>Selected agent:</source>
        <translation>Gewählter Agent:</translation>
    </message>
    <message>
        <source>Select a waiting task to see why it is still waiting.</source>
        <translation>Wählen Sie eine wartende Aufgabe, um zu sehen, warum sie noch wartet.</translation>
    </message>
    <message>
        <source>Move to queue</source>
        <translation>In Warteschlange verschieben</translation>
    </message>
    <message>
        <source>Move the selected task to:</source>
        <translation>Die gewählte Aufgabe verschieben nach:</translation>
    </message>
    <message>
        <source>Agents</source>
        <translation>Agenten</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>Wartezeit</translation>
    </message>
    <message>
        <source>Conflicts</source>
        <translation>Konflikte</translation>
    </message>
    <message>
        <source>Service level, answered, abandoned: last {0} min</source>
        <translation>Servicelevel, angenommen, abgebrochen: letzte {0} min</translation>
    </message>
    <message>
        <source>Agents ({0})</source>
        <translation>Agenten ({0})</translation>
    </message>
    <message>
        <source>● Live — {0}</source>
        <translation>● Live — {0}</translation>
    </message>
    <message>
        <source>Waiting ({0})</source>
        <translation>Wartend ({0})</translation>
    </message>
    <message>
        <source>&lt;i&gt;This task is no longer waiting.&lt;/i&gt;</source>
        <translation>&lt;i&gt;Diese Aufgabe wartet nicht mehr.&lt;/i&gt;</translation>
    </message>
    <message>
        <source>Stale since {0} — reconnecting…</source>
        <translation>Veraltet seit {0} — verbinde neu …</translation>
    </message>
    <message>
        <source>The backend refused the session: {0}. Sign in again.</source>
        <translation>Der Server hat die Sitzung abgelehnt: {0}. Bitte melden Sie sich erneut an.</translation>
    </message>
    <message>
        <source>{0} is now {1}.</source>
        <translation>{0} ist jetzt {1}.</translation>
    </message>
    <message>
        <source>&lt;i&gt;Asking the backend…&lt;/i&gt;</source>
        <translation>&lt;i&gt;Frage beim Server nach …&lt;/i&gt;</translation>
    </message>
    <message>
        <source>Export the snapshot</source>
        <translation>Momentaufnahme exportieren</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV-Dateien (*.csv)</translation>
    </message>
    <message>
        <source>Could not export: {0}</source>
        <translation>Export nicht möglich: {0}</translation>
    </message>
    <message>
        <source>Exported to {0}</source>
        <translation>Exportiert nach {0}</translation>
    </message>
</context>
<context>
    <name>QueueTile</name>
    <message>
        <source>on target</source>
        <extracomment>The status in words: the tile&apos;s colour is never the only sign (colour-blind agents, screen readers).</extracomment>
        <translation>im Ziel</translation>
    </message>
    <message>
        <source>at risk</source>
        <translation>gefährdet</translation>
    </message>
    <message>
        <source>off target</source>
        <translation>verfehlt</translation>
    </message>
    <message>
        <source>not live</source>
        <translation>nicht aktuell</translation>
    </message>
    <message>
        <source>waiting</source>
        <translation>wartend</translation>
    </message>
    <message>
        <source>SL {0}  (goal {1:.0%} in {2} s)</source>
        <translation>SL {0}  (Ziel {1:.0%} in {2} s)</translation>
    </message>
    <message>
        <source>Longest {0} · Avg {1}</source>
        <translation>Längste {0} · Mittel {1}</translation>
    </message>
    <message>
        <source> (+{0} expired)</source>
        <translation> (+{0} abgelaufen)</translation>
    </message>
    <message>
        <source>Answered {0} · Abandoned {1}{2}</source>
        <translation>Angenommen {0} · Abgebrochen {1}{2}</translation>
    </message>
    <message>
        <source>Agents {0} avail · {1} busy · {2} away</source>
        <translation>Agenten: {0} frei · {1} beschäftigt · {2} abwesend</translation>
    </message>
    <message>
        <source>Average wait: time to answer of the contacts (chats or calls) answered in the window.</source>
        <translation>Mittlere Wartezeit: Zeit bis zur Annahme der im Zeitfenster angenommenen Kontakte (Chats oder Anrufe).</translation>
    </message>
    <message>
        <source>Service level: answered within {0} s ÷ (answered + abandoned after {0} s + expired).</source>
        <translation>Servicelevel: innerhalb von {0} s angenommen ÷ (angenommen + nach {0} s abgebrochen + abgelaufen).</translation>
    </message>
    <message>
        <source>Queue {0}: {1}, {2} waiting</source>
        <translation>Warteschlange {0}: {1}, {2} wartend</translation>
    </message>
</context>
<context>
    <name>QuitQuestion</name>
    <message numerus="yes">
        <source>%n open chat(s)</source>
        <translation>
            <numerusform>%n offenen Chat</numerusform>
            <numerusform>%n offene Chats</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n change(s) not sent yet</source>
        <translation>
            <numerusform>%n noch nicht gesendete Änderung</numerusform>
            <numerusform>%n noch nicht gesendete Änderungen</numerusform>
        </translation>
    </message>
    <message>
        <source>You have {0}. Quit anyway? You will be set to Offline; unsent changes are sent at the next start.</source>
        <translation>Sie haben {0}. Trotzdem beenden? Sie werden auf Offline gesetzt; nicht gesendete Änderungen werden beim nächsten Start gesendet.</translation>
    </message>
    <message>
        <source> and </source>
        <translation> und </translation>
    </message>
    <message>
        <source>Quit the workstation?</source>
        <translation>Arbeitsplatz beenden?</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
</context>
<context>
    <name>RelevanceCardWidget</name>
    <message>
        <source>Do it</source>
        <extracomment>Chips and links beyond these go into the tooltip: the card must stay readable at a glance.</extracomment>
        <translation>Ausführen</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>Verwerfen</translation>
    </message>
    <message>
        <source>Suggested action</source>
        <translation>Vorgeschlagene Aktion</translation>
    </message>
    <message>
        <source>Insight</source>
        <translation>Hinweis</translation>
    </message>
    <message>
        <source>Mark as done: {0}</source>
        <translation>Als erledigt markieren: {0}</translation>
    </message>
    <message>
        <source>+{0} more</source>
        <translation>+{0} weitere</translation>
    </message>
    <message>
        <source>About:</source>
        <translation>Worum es geht:</translation>
    </message>
</context>
<context>
    <name>RelevancePanel</name>
    <message>
        <source>Next best actions</source>
        <translation>Nächste sinnvolle Schritte</translation>
    </message>
    <message>
        <source>Nothing stands out for this customer right now.</source>
        <translation>Bei diesem Kunden fällt gerade nichts auf.</translation>
    </message>
    <message>
        <source>Ranking…</source>
        <extracomment>grows on demand up to MAX_CARDS, then reused: a re-rank rewrites these in place</extracomment>
        <translation>Bewerte …</translation>
    </message>
    <message>
        <source>Journey: {0}</source>
        <translation>Kundenreise: {0}</translation>
    </message>
    <message>
        <source>Hide the {0} not shown ▴</source>
        <translation>Die {0} ausgeblendeten verbergen ▴</translation>
    </message>
    <message>
        <source>Show {0} hidden ▾</source>
        <translation>{0} ausgeblendete zeigen ▾</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <extracomment>The proxy combo&apos;s entry for a URL typed in (the setting itself is then the URL). Options that are read at start (the connections are made then). Language choices; the languages are named in themselves, as every settings dialog does.</extracomment>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>Systemsprache</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Sprache</translation>
    </message>
    <message>
        <source>Play a sound for new offers</source>
        <translation>Ton bei neuen Angeboten abspielen</translation>
    </message>
    <message>
        <source>Desktop notification for new offers</source>
        <translation>Desktop-Benachrichtigung bei neuen Angeboten</translation>
    </message>
    <message>
        <source>Empty: the built-in demo server</source>
        <translation>Leer: der eingebaute Demo-Server</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>Server</translation>
    </message>
    <message>
        <source>No proxy</source>
        <translation>Kein Proxy</translation>
    </message>
    <message>
        <source>System proxy</source>
        <translation>Proxy des Systems</translation>
    </message>
    <message>
        <source>Manual proxy</source>
        <translation>Eigener Proxy</translation>
    </message>
    <message>
        <source>Proxy</source>
        <translation>Proxy</translation>
    </message>
    <message>
        <source>Proxy URL</source>
        <translation>Proxy-Adresse</translation>
    </message>
    <message>
        <source>Language, server and proxy change at the next start; open conversations are kept.</source>
        <translation>Sprache, Server und Proxy ändern sich beim nächsten Start; offene Gespräche bleiben erhalten.</translation>
    </message>
    <message>
        <source>The proxy must be a URL such as http://proxy.example:3128 (without a path).</source>
        <translation>Der Proxy muss eine Adresse wie http://proxy.example:3128 sein (ohne Pfad).</translation>
    </message>
    <message>
        <source>The settings could not be saved: {0}</source>
        <translation>Die Einstellungen konnten nicht gespeichert werden: {0}</translation>
    </message>
</context>
<context>
    <name>StatusBar</name>
    <message>
        <source>Starting…</source>
        <translation>Starte …</translation>
    </message>
    <message>
        <source>Changes someone else made at the same time: choose what to keep</source>
        <translation>Gleichzeitige Änderungen von jemand anderem: wählen Sie, was bleibt</translation>
    </message>
    <message>
        <source>● Online</source>
        <translation>● Online</translation>
    </message>
    <message>
        <source>● Offline since {0} — reconnecting</source>
        <translation>● Offline seit {0} — verbinde neu</translation>
    </message>
    <message>
        <source>The backend cannot be reached. Everything cached stays usable; what you write is saved here and sent when the connection is back.</source>
        <translation>Der Server ist nicht erreichbar. Alles Zwischengespeicherte bleibt nutzbar; was Sie schreiben, wird hier gespeichert und gesendet, sobald die Verbindung zurück ist.</translation>
    </message>
    <message>
        <source>● Signed out: {0}</source>
        <translation>● Abgemeldet: {0}</translation>
    </message>
    <message numerus="yes">
        <source>%n change(s) waiting to be sent</source>
        <translation>
            <numerusform>%n Änderung wartet auf das Senden</numerusform>
            <numerusform>%n Änderungen warten auf das Senden</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>⚠ %n change(s) need your decision</source>
        <translation>
            <numerusform>⚠ %n Änderung braucht Ihre Entscheidung</numerusform>
            <numerusform>⚠ %n Änderungen brauchen Ihre Entscheidung</numerusform>
        </translation>
    </message>
    <message>
        <source>Someone else changed a record you edited. Click the red note to decide.</source>
        <translation>Jemand anderes hat einen Datensatz geändert, den Sie bearbeitet haben. Klicken Sie auf den roten Hinweis, um zu entscheiden.</translation>
    </message>
</context>
<context>
    <name>TimelineModel</name>
    <message>
        <source>Today</source>
        <translation>Heute</translation>
    </message>
    <message>
        <source>Yesterday</source>
        <translation>Gestern</translation>
    </message>
</context>
<context>
    <name>TranscriptDialog</name>
    <message>
        <source>Customer</source>
        <extracomment>the kinds an agent filters by, in the words of the event vocabulary Pixels above and below a history row&apos;s text.</extracomment>
        <translation>Kunde</translation>
    </message>
    <message>
        <source>Agent</source>
        <translation>Agent</translation>
    </message>
    <message>
        <source>System</source>
        <translation>System</translation>
    </message>
    <message>
        <source>This conversation has no messages.</source>
        <translation>Dieses Gespräch hat keine Nachrichten.</translation>
    </message>
    <message>
        <source>Read-only: a past conversation.</source>
        <translation>Nur lesen: ein früheres Gespräch.</translation>
    </message>
</context>
<context>
    <name>TranscriptModel</name>
    <message>
        <source> · sending…</source>
        <extracomment>Enough for any chat; older lines stay in the cache. Each row&apos;s display text once rendered, by row (None: not yet). A word-wrapped list view asks every row for its text at every relayout (each new line, each confirmed reply), and formatting the time in the local zone is most of that cost: it was most of the GUI thread&apos;s work on the way from &quot;send&quot; to the request going out.</extracomment>
        <translation> · wird gesendet …</translation>
    </message>
    <message>
        <source> · not delivered</source>
        <translation> · nicht zugestellt</translation>
    </message>
    <message>
        <source>System</source>
        <translation>System</translation>
    </message>
    <message>
        <source>⚠ {0}</source>
        <translation>⚠ {0}</translation>
    </message>
</context>
<context>
    <name>TrayMenu</name>
    <message>
        <source>&amp;Show the workstation</source>
        <translation>Arbeitsplatz &amp;zeigen</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
</context>
<context>
    <name>WaitingModel</name>
    <message>
        <source>Customer</source>
        <translation>Kunde</translation>
    </message>
    <message>
        <source>Queue</source>
        <translation>Warteschlange</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>Wartezeit</translation>
    </message>
    <message>
        <source>Topic</source>
        <translation>Thema</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Sprache</translation>
    </message>
    <message>
        <source>Offered to</source>
        <translation>Angeboten an</translation>
    </message>
</context>
<context>
    <name>WrapUpDialog</name>
    <message>
        <source>Wrap up</source>
        <translation>Abschließen</translation>
    </message>
    <message>
        <source>Close conversation</source>
        <translation>Gespräch abschließen</translation>
    </message>
    <message>
        <source>How did the conversation with {0} end?</source>
        <translation>Wie endete das Gespräch mit {0}?</translation>
    </message>
</context>
<context>
    <name>domain</name>
    <message>
        <source>weak evidence: nothing in the history or the customer record behind it</source>
        <translation>schwache Grundlage: nichts im Verlauf oder in den Kundendaten spricht dafür</translation>
    </message>
    <message>
        <source>done in this conversation</source>
        <translation>in diesem Gespräch erledigt</translation>
    </message>
    <message>
        <source>dismissed here: {reason}</source>
        <translation>hier verworfen: {reason}</translation>
    </message>
    <message>
        <source>less relevant than the cards shown</source>
        <translation>weniger wichtig als die gezeigten Karten</translation>
    </message>
    <message>
        <source>not relevant enough now</source>
        <translation>gerade nicht wichtig genug</translation>
    </message>
    <message>
        <source>not current: {why}</source>
        <translation>nicht aktuell: {why}</translation>
    </message>
    <message>
        <source>{action} only {conditions}</source>
        <translation>{action} nur {conditions}</translation>
    </message>
    <message>
        <source>not allowed: {why}</source>
        <extracomment>the policy expression and its values, for team leads who tune the catalogue</extracomment>
        <translation>nicht erlaubt: {why}</translation>
    </message>
    <message>
        <source>for {expected} customers (this customer: {value})</source>
        <translation>für {expected}-Kunden (dieser Kunde: {value})</translation>
    </message>
    <message>
        <source>from a customer value of {expected} (this customer: {value})</source>
        <translation>ab {expected} Kundenwert (dieser Kunde: {value})</translation>
    </message>
    <message>
        <source>after a service failure on our side</source>
        <translation>nach einem Fehler auf unserer Seite</translation>
    </message>
    <message>
        <source>while the order is on its way</source>
        <translation>solange die Bestellung unterwegs ist</translation>
    </message>
    <message>
        <source>while the matter is still open</source>
        <translation>solange das Anliegen offen ist</translation>
    </message>
    <message>
        <source>for serious complaints</source>
        <translation>bei schweren Beschwerden</translation>
    </message>
    <message>
        <source>from contact no. {expected} on the matter (now: {value})</source>
        <translation>ab dem {expected}. Kontakt zum Anliegen (jetzt: {value})</translation>
    </message>
    <message>
        <source>if the customer has agreed to cobrowsing</source>
        <translation>mit Einwilligung des Kunden zum Co-Browsing</translation>
    </message>
    <message>
        <source>while the customer is on the web site</source>
        <translation>solange der Kunde auf der Website ist</translation>
    </message>
    <message>
        <source>when a specialist is needed</source>
        <translation>wenn ein Spezialist nötig ist</translation>
    </message>
    <message>
        <source>with the customer&apos;s marketing consent</source>
        <translation>mit Werbeeinwilligung des Kunden</translation>
    </message>
    <message>
        <source>when no problem is open (open now: {value})</source>
        <translation>wenn kein Problem offen ist (jetzt offen: {value})</translation>
    </message>
    <message>
        <source>when the customer does not want to cancel</source>
        <translation>wenn der Kunde nicht kündigen will</translation>
    </message>
    <message>
        <source>before the refund is made</source>
        <translation>bevor die Erstattung erfolgt ist</translation>
    </message>
    <message>
        <source>while it is current</source>
        <translation>solange es aktuell ist</translation>
    </message>
    <message>
        <source>in a different situation</source>
        <translation>in einer anderen Situation</translation>
    </message>
    <message>
        <source> or </source>
        <translation> oder </translation>
    </message>
    <message>
        <source> and </source>
        <translation> und </translation>
    </message>
    <message>
        <source>{tier} customer, CLV {clv}</source>
        <translation>{tier}-Kunde, Kundenwert {clv}</translation>
    </message>
    <message>
        <source>has agreed to cobrowsing</source>
        <translation>hat dem Co-Browsing zugestimmt</translation>
    </message>
    <message>
        <source>marketing consent given, no open problem</source>
        <translation>Werbeeinwilligung liegt vor, kein offenes Problem</translation>
    </message>
    <message>
        <source>ranked lower: agents dismissed it {count}× in similar {channel}s</source>
        <translation>niedriger eingestuft: Agenten haben es {count}× in ähnlichen Kontakten ({channel}) verworfen</translation>
    </message>
    <message>
        <source>agents took this {count}× in similar {channel}s</source>
        <translation>Agenten haben das {count}× in ähnlichen Kontakten ({channel}) genutzt</translation>
    </message>
    <message>
        <source>customer is asking about {topic}</source>
        <translation>Kunde fragt nach {topic}</translation>
    </message>
    <message>
        <source>call is about {topic}</source>
        <translation>Anruf betrifft {topic}</translation>
    </message>
    <message>
        <source>searched or read about {topic} in this visit</source>
        <translation>hat bei diesem Besuch nach {topic} gesucht oder darüber gelesen</translation>
    </message>
    <message>
        <source>customer mentions {things}</source>
        <translation>Kunde nennt {things}</translation>
    </message>
    <message>
        <source>customer mentions the {thing}</source>
        <translation>Kunde erwähnt: {thing}</translation>
    </message>
    <message>
        <source>customer says it is not the first time</source>
        <translation>Kunde sagt, es ist nicht das erste Mal</translation>
    </message>
    <message>
        <source>The conversation is not active.</source>
        <translation>Das Gespräch ist nicht aktiv.</translation>
    </message>
    <message>
        <source>Cobrowse needs a web chat.</source>
        <translation>Co-Browsing braucht einen Web-Chat.</translation>
    </message>
    <message>
        <source>The customer has refused cobrowse (no cobrowse consent).</source>
        <translation>Der Kunde hat Co-Browsing abgelehnt (keine Einwilligung).</translation>
    </message>
    <message>
        <source>The customer declined cobrowse in this conversation.</source>
        <translation>Der Kunde hat Co-Browsing in diesem Gespräch abgelehnt.</translation>
    </message>
    <message>
        <source>A cobrowse session is already {state}.</source>
        <translation>Eine Co-Browsing-Sitzung läuft bereits ({state}).</translation>
    </message>
    <message>
        <source>The customer is not on the web site now (no page with the chat is open).</source>
        <translation>Der Kunde ist gerade nicht auf der Website (keine Seite mit dem Chat ist offen).</translation>
    </message>
    <message>
        <source>Invite the customer to share their web page with you.</source>
        <translation>Den Kunden einladen, seine Webseite mit Ihnen zu teilen.</translation>
    </message>
    <message>
        <source>The conversation is already closed.</source>
        <translation>Das Gespräch ist bereits geschlossen.</translation>
    </message>
    <message>
        <source>A message must not be empty.</source>
        <translation>Eine Nachricht darf nicht leer sein.</translation>
    </message>
    <message>
        <source>An agent message may have at most {limit} characters; this one has {length}.</source>
        <translation>Eine Agentennachricht darf höchstens {limit} Zeichen haben; diese hat {length}.</translation>
    </message>
    <message>
        <source>No offer {offer_id}.</source>
        <translation>Kein Angebot {offer_id}.</translation>
    </message>
    <message>
        <source>The offer has expired.</source>
        <translation>Das Angebot ist abgelaufen.</translation>
    </message>
    <message>
        <source>Unknown wrap-up code &apos;{code}&apos;.</source>
        <translation>Unbekannter Abschlusscode „{code}“.</translation>
    </message>
    <message>
        <source>A note must not be empty.</source>
        <translation>Eine Notiz darf nicht leer sein.</translation>
    </message>
    <message>
        <source>A note may have at most {limit} characters.</source>
        <translation>Eine Notiz darf höchstens {limit} Zeichen haben.</translation>
    </message>
    <message>
        <source>A dismissal needs a reason.</source>
        <translation>Ein Verwerfen braucht einen Grund.</translation>
    </message>
    <message>
        <source>Unknown user or wrong password.</source>
        <translation>Unbekannter Benutzer oder falsches Passwort.</translation>
    </message>
    <message>
        <source>Missing bearer token.</source>
        <translation>Die Anmeldung fehlt.</translation>
    </message>
    <message>
        <source>Invalid or expired token.</source>
        <translation>Anmeldung ungültig oder abgelaufen.</translation>
    </message>
    <message>
        <source>The user of this token no longer exists.</source>
        <translation>Den angemeldeten Benutzer gibt es nicht mehr.</translation>
    </message>
    <message>
        <source>Search for at least {count} characters.</source>
        <translation>Bitte mindestens {count} Zeichen eingeben.</translation>
    </message>
    <message>
        <source>This call is already linked to a customer.</source>
        <translation>Dieser Anruf ist bereits einem Kunden zugeordnet.</translation>
    </message>
    <message>
        <source>Link the call to a customer, not to an unknown caller.</source>
        <translation>Ordnen Sie den Anruf einem Kunden zu, nicht einem unbekannten Anrufer.</translation>
    </message>
    <message>
        <source>No customer {customer_id}.</source>
        <translation>Kein Kunde {customer_id}.</translation>
    </message>
    <message>
        <source>The session was signed out.</source>
        <extracomment>Fixed reasons that travel over the push streams (WebSocket close reasons, cobrowse relay errors); the desk looks them up in the catalogue as whole texts.</extracomment>
        <translation>Die Sitzung wurde abgemeldet.</translation>
    </message>
    <message>
        <source>Not allowed.</source>
        <translation>Nicht erlaubt.</translation>
    </message>
    <message>
        <source>Frame too large; sending a fresh snapshot.</source>
        <translation>Zu große Nachricht; die Seite wird neu übertragen.</translation>
    </message>
    <message>
        <source>Malformed frame.</source>
        <translation>Fehlerhafte Nachricht.</translation>
    </message>
    <message>
        <source>The customer&apos;s page is not connected.</source>
        <translation>Die Seite des Kunden ist nicht verbunden.</translation>
    </message>
    <message>
        <source>The customer accepted cobrowse.</source>
        <translation>Der Kunde hat Co-Browsing angenommen.</translation>
    </message>
    <message>
        <source>The customer resumed cobrowse.</source>
        <translation>Der Kunde hat Co-Browsing fortgesetzt.</translation>
    </message>
    <message>
        <source>The customer paused cobrowse.</source>
        <translation>Der Kunde hat Co-Browsing pausiert.</translation>
    </message>
    <message>
        <source>The customer declined cobrowse.</source>
        <translation>Der Kunde hat Co-Browsing abgelehnt.</translation>
    </message>
    <message>
        <source>{agent} invited the customer to cobrowse (to see and guide their web page).</source>
        <extracomment>Cobrowse lines that name the agent or a reason: one whole sentence per case (no fragments), so a translation can put the name where its grammar wants it.</extracomment>
        <translation>{agent} hat den Kunden zum Co-Browsing eingeladen (um seine Webseite zu sehen und ihn zu führen).</translation>
    </message>
    <message>
        <source>Cobrowse started: {agent} sees the customer&apos;s page (form fields masked).</source>
        <translation>Co-Browsing gestartet: {agent} sieht die Seite des Kunden (Formularfelder verdeckt).</translation>
    </message>
    <message>
        <source>Cobrowse expired.</source>
        <translation>Co-Browsing abgelaufen.</translation>
    </message>
    <message>
        <source>Cobrowse expired ({reason}).</source>
        <translation>Co-Browsing abgelaufen ({reason}).</translation>
    </message>
    <message>
        <source>Cobrowse ended.</source>
        <translation>Co-Browsing beendet.</translation>
    </message>
    <message>
        <source>Cobrowse ended ({reason}).</source>
        <translation>Co-Browsing beendet ({reason}).</translation>
    </message>
    <message>
        <source>Cobrowse ended by the customer.</source>
        <translation>Co-Browsing vom Kunden beendet.</translation>
    </message>
    <message>
        <source>Cobrowse ended by the customer ({reason}).</source>
        <translation>Co-Browsing vom Kunden beendet ({reason}).</translation>
    </message>
    <message>
        <source>Cobrowse ended by {agent}.</source>
        <translation>Co-Browsing von {agent} beendet.</translation>
    </message>
    <message>
        <source>Cobrowse ended by {agent} ({reason}).</source>
        <translation>Co-Browsing von {agent} beendet ({reason}).</translation>
    </message>
    <message>
        <source>The agent</source>
        <extracomment>the agent of a line whose agent record is gone</extracomment>
        <translation>Der Agent</translation>
    </message>
    <message>
        <source>no answer within {seconds} s</source>
        <extracomment>why the backend ended or expired a cobrowse session (the session keeps the English text)</extracomment>
        <translation>keine Antwort innerhalb von {seconds} s</translation>
    </message>
    <message>
        <source>the customer&apos;s page did not start sharing</source>
        <translation>die Seite des Kunden hat nicht mit dem Teilen begonnen</translation>
    </message>
    <message>
        <source>paused for more than {minutes} min</source>
        <translation>länger als {minutes} min pausiert</translation>
    </message>
    <message>
        <source>the customer left the web site</source>
        <translation>der Kunde hat die Website verlassen</translation>
    </message>
    <message>
        <source>A message was refused by the backend: {reason}</source>
        <extracomment>What the desk says when the backend refused a queued write, by kind of write (&quot;&quot; : any other).</extracomment>
        <translation>Eine Nachricht wurde vom Server abgelehnt: {reason}</translation>
    </message>
    <message>
        <source>A wrap-up was refused by the backend: {reason}</source>
        <translation>Ein Gesprächsabschluss wurde vom Server abgelehnt: {reason}</translation>
    </message>
    <message>
        <source>A presence change was refused by the backend: {reason}</source>
        <translation>Eine Statusänderung wurde vom Server abgelehnt: {reason}</translation>
    </message>
    <message>
        <source>A change was refused by the backend: {reason}</source>
        <translation>Eine Änderung wurde vom Server abgelehnt: {reason}</translation>
    </message>
    <message>
        <source>The backend cannot be reached.</source>
        <translation>Der Server ist nicht erreichbar.</translation>
    </message>
    <message>
        <source>The backend cannot be reached; try again in a moment.</source>
        <translation>Der Server ist nicht erreichbar; bitte gleich noch einmal versuchen.</translation>
    </message>
    <message>
        <source>The backend cannot be reached; the offer could not be accepted.</source>
        <translation>Der Server ist nicht erreichbar; das Angebot konnte nicht angenommen werden.</translation>
    </message>
    <message>
        <source>The backend cannot be reached; the offer will time out by itself.</source>
        <translation>Der Server ist nicht erreichbar; das Angebot läuft von selbst ab.</translation>
    </message>
    <message>
        <source>The backend cannot be reached; the session was not ended.</source>
        <translation>Der Server ist nicht erreichbar; die Sitzung wurde nicht beendet.</translation>
    </message>
    <message>
        <source>Nothing to send.</source>
        <translation>Nichts zu senden.</translation>
    </message>
    <message>
        <source>Unknown conversation.</source>
        <translation>Unbekanntes Gespräch.</translation>
    </message>
    <message>
        <source>The cobrowse connection is not open.</source>
        <translation>Die Co-Browsing-Verbindung ist nicht offen.</translation>
    </message>
    <message>
        <source>The cobrowse session is {state}, not active.</source>
        <translation>Die Co-Browsing-Sitzung ist {state}, nicht aktiv.</translation>
    </message>
    <message>
        <source>The cobrowse connection was lost; reconnecting.</source>
        <translation>Die Co-Browsing-Verbindung ist abgerissen; sie wird neu aufgebaut.</translation>
    </message>
    <message>
        <source>This event has no transcript.</source>
        <translation>Zu diesem Ereignis gibt es kein Protokoll.</translation>
    </message>
    <message>
        <source>That transcript is not cached; it opens when the backend is reachable.</source>
        <translation>Dieses Protokoll ist nicht zwischengespeichert; es öffnet sich, sobald der Server erreichbar ist.</translation>
    </message>
    <message>
        <source>Transcript not available: {reason}</source>
        <translation>Protokoll nicht verfügbar: {reason}</translation>
    </message>
    <message>
        <source>The history cannot be loaded: the backend cannot be reached.</source>
        <translation>Der Verlauf kann nicht geladen werden: Der Server ist nicht erreichbar.</translation>
    </message>
    <message>
        <source>The history cannot be loaded: {reason}</source>
        <translation>Der Verlauf kann nicht geladen werden: {reason}</translation>
    </message>
    <message>
        <source>The customer&apos;s record is not in the local cache yet; try again shortly.</source>
        <translation>Die Kundendaten sind noch nicht im lokalen Zwischenspeicher; bitte gleich noch einmal versuchen.</translation>
    </message>
    <message>
        <source>Not editable here: {fields}</source>
        <translation>Hier nicht änderbar: {fields}</translation>
    </message>
    <message>
        <source>That note is not in the local cache.</source>
        <translation>Diese Notiz ist nicht im lokalen Zwischenspeicher.</translation>
    </message>
    <message>
        <source>No softphone configured: calls are not offered to this desk.</source>
        <translation>Kein Softphone eingerichtet: Anrufe werden diesem Arbeitsplatz nicht angeboten.</translation>
    </message>
    <message>
        <source>The softphone is not running: calls are not offered to you until it runs.</source>
        <translation>Das Softphone läuft nicht: Anrufe werden Ihnen erst angeboten, wenn es läuft.</translation>
    </message>
    <message>
        <source>Softphone connected.</source>
        <translation>Softphone verbunden.</translation>
    </message>
    <message>
        <source>Softphone registered.</source>
        <translation>Softphone angemeldet.</translation>
    </message>
    <message>
        <source>The softphone is not registered: calls are not offered to you.</source>
        <translation>Das Softphone ist nicht angemeldet: Anrufe werden Ihnen nicht angeboten.</translation>
    </message>
    <message>
        <source>The softphone went away. Calls are not offered to you.</source>
        <translation>Die Verbindung zum Softphone ist weg. Anrufe werden Ihnen nicht angeboten.</translation>
    </message>
    <message>
        <source>The softphone is not running.</source>
        <translation>Das Softphone läuft nicht.</translation>
    </message>
    <message>
        <source>The softphone is not connected.</source>
        <extracomment>A call command the softphone did not carry out (the call panel shows it).</extracomment>
        <translation>Das Softphone ist nicht verbunden.</translation>
    </message>
    <message>
        <source>The softphone did not answer &apos;{command}&apos; in {seconds} s.</source>
        <translation>Das Softphone hat auf „{command}“ nicht innerhalb von {seconds} s geantwortet.</translation>
    </message>
    <message>
        <source>The softphone connection broke: {reason}</source>
        <translation>Die Verbindung zum Softphone ist abgebrochen: {reason}</translation>
    </message>
    <message>
        <source>The softphone refused &apos;{command}&apos;: {reason}</source>
        <translation>Das Softphone hat „{command}“ abgelehnt: {reason}</translation>
    </message>
    <message>
        <source>The softphone refused &apos;{command}&apos;: no reason given</source>
        <translation>Das Softphone hat „{command}“ ohne Grund abgelehnt.</translation>
    </message>
    <message>
        <source>Calls ring on your desk phone once you accept them here.</source>
        <translation>Anrufe klingeln auf Ihrem Tischtelefon, sobald Sie sie hier annehmen.</translation>
    </message>
    <message>
        <source>Use your desk phone for this.</source>
        <translation>Nutzen Sie dafür Ihr Tischtelefon.</translation>
    </message>
    <message>
        <source>No system keychain is available (keyring found no usable backend). On Linux, install and unlock a Secret Service provider such as GNOME Keyring or KWallet. The sign-in token is kept in memory only and will not be remembered.</source>
        <translation>Kein Schlüsselbund des Systems verfügbar (keyring fand kein nutzbares Backend). Unter Linux einen Secret-Service-Anbieter wie GNOME Keyring oder KWallet installieren und entsperren. Die Anmeldung wird nur im Arbeitsspeicher gehalten und nicht gemerkt.</translation>
    </message>
    <message>
        <source>The system keychain refused access: {error}</source>
        <translation>Der Schlüsselbund des Systems hat den Zugriff verweigert: {error}</translation>
    </message>
    <message>
        <source>The system keychain refused to store the token: {error}</source>
        <translation>Der Schlüsselbund des Systems hat das Speichern der Anmeldung verweigert: {error}</translation>
    </message>
    <message>
        <source>No statistics have arrived yet.</source>
        <translation>Es sind noch keine Statistiken eingetroffen.</translation>
    </message>
    <message>
        <source>The note itself could not be saved, so neither can the edit.</source>
        <translation>Die Notiz selbst konnte nicht gespeichert werden, also auch nicht die Änderung daran.</translation>
    </message>
    <message>
        <source>unknown kind of write &apos;{kind}&apos;</source>
        <translation>unbekannte Art von Änderung „{kind}“</translation>
    </message>
    <message>
        <source>it could not be saved on this computer ({error})</source>
        <translation>sie konnte auf diesem Computer nicht gespeichert werden ({error})</translation>
    </message>
    <message>
        <source>the backend refused the session token</source>
        <translation>der Server hat die Sitzung abgelehnt</translation>
    </message>
    <message>
        <source>reconnecting…</source>
        <translation>verbinde neu …</translation>
    </message>
    <message>
        <source>invited</source>
        <extracomment>the states of a cobrowse session that cannot be steered, as COBROWSE_NOT_STEERABLE names them</extracomment>
        <translation>eingeladen</translation>
    </message>
    <message>
        <source>accepted</source>
        <translation>angenommen</translation>
    </message>
    <message>
        <source>paused</source>
        <translation>pausiert</translation>
    </message>
    <message>
        <source>ended</source>
        <translation>beendet</translation>
    </message>
    <message>
        <source>declined</source>
        <translation>abgelehnt</translation>
    </message>
    <message>
        <source>The conversation is {state}, not waiting.</source>
        <translation>Das Gespräch ist {state}, es wartet nicht.</translation>
    </message>
    <message>
        <source>There is no queue &apos;{queue_id}&apos;.</source>
        <translation>Es gibt keine Warteschlange „{queue_id}“.</translation>
    </message>
    <message>
        <source>No conversation {conversation_id}.</source>
        <translation>Kein Gespräch {conversation_id}.</translation>
    </message>
    <message>
        <source>No agent {agent_id}.</source>
        <translation>Kein Agent {agent_id}.</translation>
    </message>
    <message>
        <source>The customer left.</source>
        <extracomment>A system line of a transcript (the backend stores the English text; the desk shows it translated).</extracomment>
        <translation>Der Kunde hat das Gespräch verlassen.</translation>
    </message>
    <message>
        <source>active</source>
        <extracomment>Conversation states, as NOT_WAITING names them.</extracomment>
        <translation>aktiv</translation>
    </message>
    <message>
        <source>closed</source>
        <translation>geschlossen</translation>
    </message>
    <message>
        <source>if {condition}</source>
        <extracomment>A parameter of a refusal longer than this is not the backend&apos;s wording but something odd: dropped. Attributes that hold money (shown as amounts, not bare numbers).</extracomment>
        <translation>wenn {condition}</translation>
    </message>
    <message>
        <source>Give tracking</source>
        <translation>Sendungsverfolgung geben</translation>
    </message>
    <message>
        <source>Give tracking for order {order_id}</source>
        <translation>Sendungsverfolgung für Bestellung {order_id} geben</translation>
    </message>
    <message>
        <source>Apologise + voucher</source>
        <translation>Entschuldigung + Gutschein</translation>
    </message>
    <message>
        <source>Apologise and offer a goodwill voucher</source>
        <translation>Entschuldigen und einen Kulanzgutschein anbieten</translation>
    </message>
    <message>
        <source>Escalate</source>
        <translation>Eskalieren</translation>
    </message>
    <message>
        <source>Escalate to the complaints team: {topic}</source>
        <translation>An das Beschwerdeteam eskalieren: {topic}</translation>
    </message>
    <message>
        <source>Settle payment</source>
        <translation>Zahlung klären</translation>
    </message>
    <message>
        <source>Settle the open payment ({amount})</source>
        <translation>Die offene Zahlung klären ({amount})</translation>
    </message>
    <message>
        <source>Start cobrowse</source>
        <translation>Co-Browsing starten</translation>
    </message>
    <message>
        <source>Invite to cobrowse and guide them to the right page</source>
        <translation>Zum Co-Browsing einladen und zur richtigen Seite führen</translation>
    </message>
    <message>
        <source>Retention offer</source>
        <translation>Halteangebot</translation>
    </message>
    <message>
        <source>Make a retention offer ({product})</source>
        <translation>Ein Halteangebot machen ({product})</translation>
    </message>
    <message>
        <source>Specialist callback</source>
        <translation>Rückruf vom Spezialisten</translation>
    </message>
    <message>
        <source>Schedule a specialist callback: {topic}</source>
        <translation>Rückruf eines Spezialisten vereinbaren: {topic}</translation>
    </message>
    <message>
        <source>Book appointment</source>
        <translation>Termin buchen</translation>
    </message>
    <message>
        <source>Offer an appointment in a branch to see {product}</source>
        <translation>Einen Termin in einer Filiale anbieten, um {product} anzusehen</translation>
    </message>
    <message>
        <source>Suggest product</source>
        <translation>Produkt vorschlagen</translation>
    </message>
    <message>
        <source>Suggest something that fits the {product}</source>
        <translation>Etwas Passendes zu {product} vorschlagen</translation>
    </message>
    <message>
        <source>Advise on {product} and what goes with it</source>
        <translation>Zu {product} und passendem Zubehör beraten</translation>
    </message>
    <message>
        <source>Progress return</source>
        <translation>Rücksendung voranbringen</translation>
    </message>
    <message>
        <source>Progress the return and refund of order {order_id}</source>
        <translation>Rücksendung und Erstattung von Bestellung {order_id} voranbringen</translation>
    </message>
    <message>
        <source>Troubleshoot device</source>
        <translation>Gerätefehler beheben</translation>
    </message>
    <message>
        <source>Troubleshoot the {device}</source>
        <translation>Fehler am Gerät beheben: {device}</translation>
    </message>
    <message>
        <source>this</source>
        <extracomment>Words the engine puts into its reasons (topics, tiers).</extracomment>
        <translation>dies</translation>
    </message>
    <message>
        <source>it</source>
        <translation>das</translation>
    </message>
    <message>
        <source>the product</source>
        <translation>das Produkt</translation>
    </message>
    <message>
        <source>the issue</source>
        <translation>das Anliegen</translation>
    </message>
    <message>
        <source>the amount</source>
        <translation>den Betrag</translation>
    </message>
    <message>
        <source>device</source>
        <extracomment>the named weights table (resources/relevance_weights.toml)</extracomment>
        <translation>Gerät</translation>
    </message>
    <message>
        <source>bronze</source>
        <translation>Bronze</translation>
    </message>
    <message>
        <source>silver</source>
        <translation>Silber</translation>
    </message>
    <message>
        <source>gold</source>
        <translation>Gold</translation>
    </message>
    <message>
        <source>platinum</source>
        <translation>Platin</translation>
    </message>
    <message>
        <source>low</source>
        <translation>niedrig</translation>
    </message>
    <message>
        <source>medium</source>
        <translation>mittel</translation>
    </message>
    <message>
        <source>high</source>
        <translation>hoch</translation>
    </message>
    <message>
        <source>info</source>
        <translation>Info</translation>
    </message>
    <message>
        <source>warning</source>
        <translation>Warnung</translation>
    </message>
    <message>
        <source>critical</source>
        <translation>kritisch</translation>
    </message>
    <message>
        <source>phone</source>
        <translation>Telefon</translation>
    </message>
    <message>
        <source>email</source>
        <translation>E-Mail</translation>
    </message>
    <message>
        <source>chat</source>
        <translation>Chat</translation>
    </message>
    <message>
        <source>web</source>
        <translation>Web</translation>
    </message>
    <message>
        <source>app</source>
        <translation>App</translation>
    </message>
    <message>
        <source>shop</source>
        <translation>Shop</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Telefon</translation>
    </message>
    <message>
        <source>Email</source>
        <translation>E-Mail</translation>
    </message>
    <message>
        <source>Chat</source>
        <translation>Chat</translation>
    </message>
    <message>
        <source>Web</source>
        <translation>Web</translation>
    </message>
    <message>
        <source>App</source>
        <translation>App</translation>
    </message>
    <message>
        <source>Shop</source>
        <translation>Shop</translation>
    </message>
    <message>
        <source>Platinum</source>
        <extracomment>Evidence weights (resources/relevance_weights.toml): what the customer says counts most, then the IVR topic, then what they did in this visit, then the page. How much a generic topic counts next to a specific one when weighing what the customer said.</extracomment>
        <translation>Platin</translation>
    </message>
    <message>
        <source>Gold</source>
        <translation>Gold</translation>
    </message>
    <message>
        <source>Silver</source>
        <translation>Silber</translation>
    </message>
    <message>
        <source>Bronze</source>
        <translation>Bronze</translation>
    </message>
    <message>
        <source>delivery</source>
        <translation>die Lieferung</translation>
    </message>
    <message>
        <source>an order</source>
        <translation>eine Bestellung</translation>
    </message>
    <message>
        <source>a return or refund</source>
        <translation>eine Rücksendung oder Erstattung</translation>
    </message>
    <message>
        <source>billing</source>
        <translation>die Rechnung</translation>
    </message>
    <message>
        <source>cancelling</source>
        <translation>eine Kündigung</translation>
    </message>
    <message>
        <source>a technical problem</source>
        <translation>ein technisches Problem</translation>
    </message>
    <message>
        <source>a complaint</source>
        <translation>eine Beschwerde</translation>
    </message>
    <message>
        <source>finding their way on the web site</source>
        <translation>Orientierung auf der Website</translation>
    </message>
    <message>
        <source>seeing it in person</source>
        <translation>eine Besichtigung vor Ort</translation>
    </message>
    <message>
        <source>product advice</source>
        <translation>eine Produktberatung</translation>
    </message>
    <message>
        <source>their address</source>
        <translation>die Adresse</translation>
    </message>
    <message>
        <source>their account</source>
        <translation>das Kundenkonto</translation>
    </message>
    <message>
        <source>an earlier contact that was not followed up</source>
        <translation>einen früheren Kontakt ohne Rückmeldung</translation>
    </message>
    <message>
        <source>Valued customer who wants to cancel</source>
        <translation>Wertvoller Kunde, der kündigen will</translation>
    </message>
    <message>
        <source>Valued customer with 1 open problem</source>
        <translation>Wertvoller Kunde mit 1 offenen Problem</translation>
    </message>
    <message>
        <source>Valued customer with {n} open problems</source>
        <translation>Wertvoller Kunde mit {n} offenen Problemen</translation>
    </message>
    <message>
        <source>in {n} min</source>
        <extracomment>an open problem (blocks cross-selling, counts in context.open_problems) freshness never falls below this (an open complaint stays relevant) dropped as settled or too old: the reason, shown under &quot;hidden&quot;</extracomment>
        <translation>in {n} Min.</translation>
    </message>
    <message>
        <source>{n} min ago</source>
        <translation>vor {n} Min.</translation>
    </message>
    <message>
        <source>in {n} h</source>
        <translation>in {n} Std.</translation>
    </message>
    <message>
        <source>{n} h ago</source>
        <translation>vor {n} Std.</translation>
    </message>
    <message>
        <source>tomorrow</source>
        <translation>morgen</translation>
    </message>
    <message>
        <source>yesterday</source>
        <translation>gestern</translation>
    </message>
    <message>
        <source>in {n} days</source>
        <translation>in {n} Tagen</translation>
    </message>
    <message>
        <source>{n} days ago</source>
        <translation>vor {n} Tagen</translation>
    </message>
    <message>
        <source>in {n} months</source>
        <translation>in {n} Monaten</translation>
    </message>
    <message>
        <source>{n} months ago</source>
        <translation>vor {n} Monaten</translation>
    </message>
    <message>
        <source>churn risk {percent} %</source>
        <translation>Abwanderungsrisiko {percent} %</translation>
    </message>
    <message>
        <source>order {order_id}</source>
        <translation>Bestellung {order_id}</translation>
    </message>
    <message>
        <source>{n}th</source>
        <extracomment>Contacts older than this are never counted (contacts() looks back 60 days): no need to pair them. Kinds whose records are counted or listed one by one, so a twin would show twice. page views and searches of the last week before this visit the other records of an event two systems logged (the first record&apos;s id -&gt; the others&apos; ids)</extracomment>
        <translation>{n}.</translation>
    </message>
    <message>
        <source>{n}st</source>
        <translation>{n}.</translation>
    </message>
    <message>
        <source>{n}nd</source>
        <translation>{n}.</translation>
    </message>
    <message>
        <source>{n}rd</source>
        <translation>{n}.</translation>
    </message>
    <message>
        <source>Order {order_id}: refund of {amount} issued</source>
        <extracomment>An order settled longer ago than this (refunded, or delivered and kept) is not shown unless named. the named weights table (resources/relevance_weights.toml) still needs someone, as the whole domain reads it (a delay not delivered, a return not refunded)</extracomment>
        <translation>Bestellung {order_id}: Erstattung von {amount} veranlasst</translation>
    </message>
    <message>
        <source>refunded {ago}</source>
        <translation>erstattet {ago}</translation>
    </message>
    <message>
        <source>return requested {ago} ({reason})</source>
        <translation>Rücksendung {ago} angemeldet ({reason})</translation>
    </message>
    <message>
        <source>return requested {ago}</source>
        <translation>Rücksendung {ago} angemeldet</translation>
    </message>
    <message>
        <source>no refund yet</source>
        <translation>noch keine Erstattung</translation>
    </message>
    <message>
        <source>Return of order {order_id} ({product}) not refunded yet</source>
        <translation>Rücksendung der Bestellung {order_id} ({product}) noch nicht erstattet</translation>
    </message>
    <message>
        <source>Return of order {order_id} not refunded yet</source>
        <translation>Rücksendung der Bestellung {order_id} noch nicht erstattet</translation>
    </message>
    <message>
        <source>return requested {ago}, probably settled</source>
        <translation>Rücksendung {ago} angemeldet, wahrscheinlich erledigt</translation>
    </message>
    <message>
        <source>Order {order_id} ({product}) marked delivered {ago}, customer has nothing</source>
        <translation>Bestellung {order_id} ({product}) {ago} als zugestellt gemeldet, Kunde hat nichts erhalten</translation>
    </message>
    <message>
        <source>Order {order_id} marked delivered {ago}, customer has nothing</source>
        <translation>Bestellung {order_id} {ago} als zugestellt gemeldet, Kunde hat nichts erhalten</translation>
    </message>
    <message>
        <source>delivered {day} by {carrier}</source>
        <translation>am {day} von {carrier} zugestellt</translation>
    </message>
    <message>
        <source>delivered {day}</source>
        <translation>am {day} zugestellt</translation>
    </message>
    <message>
        <source>customer says it did not arrive: trace with the carrier</source>
        <translation>Kunde sagt, sie sei nicht angekommen: beim Paketdienst nachforschen</translation>
    </message>
    <message>
        <source>Bought {product} {ago}</source>
        <translation>{product} gekauft, {ago}</translation>
    </message>
    <message>
        <source>Order {order_id} delivered</source>
        <translation>Bestellung {order_id} zugestellt</translation>
    </message>
    <message>
        <source>delivered {ago}</source>
        <translation>zugestellt {ago}</translation>
    </message>
    <message>
        <source>delayed 1 day: was due {due}, now {new}</source>
        <translation>1 Tag Verspätung: fällig war der {due}, jetzt der {new}</translation>
    </message>
    <message>
        <source>delayed {n} days: was due {due}, now {new}</source>
        <translation>{n} Tage Verspätung: fällig war der {due}, jetzt der {new}</translation>
    </message>
    <message>
        <source>new delivery date {day}</source>
        <translation>neuer Liefertermin {day}</translation>
    </message>
    <message>
        <source>reason: {reason}</source>
        <translation>Grund: {reason}</translation>
    </message>
    <message>
        <source>Order {order_id} is delayed ({reason})</source>
        <translation>Bestellung {order_id} verspätet sich ({reason})</translation>
    </message>
    <message>
        <source>Order {order_id} is delayed</source>
        <translation>Bestellung {order_id} verspätet sich</translation>
    </message>
    <message>
        <source>delay reported {ago}, no news since</source>
        <translation>Verspätung {ago} gemeldet, seitdem nichts Neues</translation>
    </message>
    <message>
        <source>shipped {ago} with {carrier}</source>
        <translation>versandt {ago} mit {carrier}</translation>
    </message>
    <message>
        <source>shipped {ago}</source>
        <translation>versandt {ago}</translation>
    </message>
    <message>
        <source>expected {day} — overdue</source>
        <translation>erwartet am {day} — überfällig</translation>
    </message>
    <message>
        <source>expected {day}</source>
        <translation>erwartet am {day}</translation>
    </message>
    <message>
        <source>Order {order_id} is overdue</source>
        <translation>Bestellung {order_id} ist überfällig</translation>
    </message>
    <message>
        <source>Order {order_id} ({product}) is on its way</source>
        <translation>Bestellung {order_id} ({product}) ist unterwegs</translation>
    </message>
    <message>
        <source>Order {order_id} is on its way</source>
        <translation>Bestellung {order_id} ist unterwegs</translation>
    </message>
    <message>
        <source>shipped {ago}, no delivery recorded</source>
        <translation>versandt {ago}, keine Zustellung erfasst</translation>
    </message>
    <message>
        <source>Order {order_id} ({product}) placed {ago}, not shipped yet</source>
        <translation>Bestellung {order_id} ({product}) aufgegeben {ago}, noch nicht versandt</translation>
    </message>
    <message>
        <source>Order {order_id} placed {ago}, not shipped yet</source>
        <translation>Bestellung {order_id} aufgegeben {ago}, noch nicht versandt</translation>
    </message>
    <message>
        <source>placed {day}, {amount}</source>
        <translation>aufgegeben am {day}, {amount}</translation>
    </message>
    <message>
        <source>placed {day}</source>
        <translation>aufgegeben am {day}</translation>
    </message>
    <message>
        <source>not shipped yet: address and items can still change</source>
        <translation>noch nicht versandt: Adresse und Artikel lassen sich noch ändern</translation>
    </message>
    <message>
        <source>placed {ago}, no shipment recorded</source>
        <translation>aufgegeben {ago}, kein Versand erfasst</translation>
    </message>
    <message>
        <source>payment of {amount} failed {ago} ({reason})</source>
        <extracomment>the named weights table (resources/relevance_weights.toml)</extracomment>
        <translation>Zahlung über {amount} {ago} fehlgeschlagen ({reason})</translation>
    </message>
    <message>
        <source>payment of {amount} failed {ago}</source>
        <translation>Zahlung über {amount} {ago} fehlgeschlagen</translation>
    </message>
    <message>
        <source>invoice {invoice} overdue: {amount}</source>
        <translation>Rechnung {invoice} überfällig: {amount}</translation>
    </message>
    <message>
        <source>invoice {invoice} overdue {days} days: {amount}</source>
        <translation>Rechnung {invoice} seit {days} Tagen überfällig: {amount}</translation>
    </message>
    <message>
        <source>Open payment: {fact}</source>
        <translation>Offene Zahlung: {fact}</translation>
    </message>
    <message>
        <source>complaint</source>
        <translation>Beschwerde</translation>
    </message>
    <message>
        <source>Open complaint: {topic} ({severity})</source>
        <translation>Offene Beschwerde: {topic} ({severity})</translation>
    </message>
    <message>
        <source>complaint raised {ago}, still open</source>
        <translation>Beschwerde {ago} eingereicht, noch offen</translation>
    </message>
    <message>
        <source>severity {severity}</source>
        <translation>Schwere: {severity}</translation>
    </message>
    <message>
        <source>Complaint about {topic} resolved {ago}</source>
        <translation>Beschwerde zu {topic} gelöst, {ago}</translation>
    </message>
    <message>
        <source>resolved {day}</source>
        <translation>gelöst am {day}</translation>
    </message>
    <message>
        <source>resolved {ago}</source>
        <translation>gelöst {ago}</translation>
    </message>
    <message>
        <source>{channel} contact about {topic} {ago} (resolved)</source>
        <translation>Kontakt per {channel} zu {topic}, {ago} (gelöst)</translation>
    </message>
    <message>
        <source>{ordinal} contact on the same unresolved topic</source>
        <translation>{ordinal} Kontakt zum selben ungelösten Anliegen</translation>
    </message>
    <message>
        <source>{n} earlier ({channels}), first {ago}</source>
        <translation>{n} bisher ({channels}), erstmals {ago}</translation>
    </message>
    <message>
        <source>callback promised {ago}, not kept</source>
        <translation>Rückruf {ago} versprochen, nicht eingehalten</translation>
    </message>
    <message>
        <source>customer was upset last time</source>
        <translation>Kunde war beim letzten Mal verärgert</translation>
    </message>
    <message>
        <source>Callback on {topic} promised {ago}</source>
        <translation>Rückruf zu {topic} versprochen, {ago}</translation>
    </message>
    <message>
        <source>Unresolved: {topic}</source>
        <translation>Ungelöst: {topic}</translation>
    </message>
    <message>
        <source>{device}: alert {code} cleared</source>
        <translation>{device}: Alarm {code} behoben</translation>
    </message>
    <message>
        <source>cleared {day}</source>
        <translation>behoben am {day}</translation>
    </message>
    <message>
        <source>{severity} alert {code}: {message}, active since {ago}</source>
        <translation>Alarm {code} ({severity}): {message}, aktiv seit {ago}</translation>
    </message>
    <message>
        <source>{severity} alert {code}, active since {ago}</source>
        <translation>Alarm {code} ({severity}), aktiv seit {ago}</translation>
    </message>
    <message>
        <source>{device}: {code} ({severity}) — {message}</source>
        <translation>{device}: {code} ({severity}) — {message}</translation>
    </message>
    <message>
        <source>alert</source>
        <translation>Alarm</translation>
    </message>
    <message>
        <source>{device}: {code} ({severity})</source>
        <translation>{device}: {code} ({severity})</translation>
    </message>
    <message>
        <source>last reported {ago}</source>
        <translation>zuletzt gemeldet {ago}</translation>
    </message>
    <message>
        <source>Cancellation intent</source>
        <translation>Kündigungsabsicht</translation>
    </message>
    <message>
        <source>{ago}, no follow-up</source>
        <translation>{ago}, nichts weiter passiert</translation>
    </message>
    <message>
        <source>said {ago} by {channel} that they want to cancel {product} ({reason})</source>
        <translation>hat {ago} per {channel} gesagt, {product} kündigen zu wollen ({reason})</translation>
    </message>
    <message>
        <source>said {ago} by {channel} that they want to cancel {product}</source>
        <translation>hat {ago} per {channel} gesagt, {product} kündigen zu wollen</translation>
    </message>
    <message>
        <source>on the cancellation page {ago}</source>
        <translation>auf der Kündigungsseite, {ago}</translation>
    </message>
    <message>
        <source>says so now</source>
        <translation>sagt es jetzt</translation>
    </message>
    <message>
        <source>Wants to cancel {product}</source>
        <translation>Will {product} kündigen</translation>
    </message>
    <message>
        <source>Wants to cancel</source>
        <translation>Will kündigen</translation>
    </message>
    <message>
        <source>the contract</source>
        <translation>den Vertrag</translation>
    </message>
    <message>
        <source>App error on &apos;{screen}&apos;: {message}</source>
        <extracomment>the named weights table (resources/relevance_weights.toml)</extracomment>
        <translation>App-Fehler auf „{screen}“: {message}</translation>
    </message>
    <message>
        <source>{n} errors in the app this week, last {ago}</source>
        <translation>{n} Fehler in der App diese Woche, zuletzt {ago}</translation>
    </message>
    <message>
        <source>1 error in the app this week, last {ago}</source>
        <translation>1 Fehler in der App diese Woche, zuletzt {ago}</translation>
    </message>
    <message>
        <source>app error</source>
        <translation>App-Fehler</translation>
    </message>
    <message>
        <source>Gave NPS {nps} {ago}</source>
        <translation>NPS {nps} vergeben, {ago}</translation>
    </message>
    <message>
        <source>comment: “{comment}”</source>
        <translation>Kommentar: „{comment}“</translation>
    </message>
    <message>
        <source>unhappy in the last survey</source>
        <translation>unzufrieden in der letzten Umfrage</translation>
    </message>
    <message>
        <source>Complained publicly {ago}</source>
        <translation>Hat sich {ago} öffentlich beschwert</translation>
    </message>
    <message>
        <source>social media post</source>
        <translation>Beitrag in sozialen Medien</translation>
    </message>
    <message>
        <source>Left a cart of {amount} {ago}</source>
        <translation>Warenkorb über {amount} stehen gelassen, {ago}</translation>
    </message>
    <message>
        <source>Address changed {ago}</source>
        <translation>Adresse geändert, {ago}</translation>
    </message>
    <message>
        <source>Appointment at {branch} on {day}</source>
        <translation>Termin in {branch} am {day}</translation>
    </message>
    <message>
        <source>a branch</source>
        <translation>einer Filiale</translation>
    </message>
    <message>
        <source>Contract changed {ago}</source>
        <translation>Vertrag geändert, {ago}</translation>
    </message>
    <message>
        <source>came back {n} times to pages already seen</source>
        <extracomment>the named weights table (resources/relevance_weights.toml)</extracomment>
        <translation>kam {n}-mal auf schon besuchte Seiten zurück</translation>
    </message>
    <message>
        <source>went back and forth between {pages}</source>
        <translation>ging zwischen {pages} hin und her</translation>
    </message>
    <message>
        <source>read help pages {pages}</source>
        <translation>las die Hilfeseiten {pages}</translation>
    </message>
    <message>
        <source>read help page {pages}</source>
        <translation>las die Hilfeseite {pages}</translation>
    </message>
    <message>
        <source>{n} min on &apos;{page}&apos;</source>
        <translation>{n} Min. auf „{page}“</translation>
    </message>
    <message>
        <source>searched {n} times</source>
        <translation>suchte {n}-mal</translation>
    </message>
    <message>
        <source>error on &apos;{page}&apos;</source>
        <translation>Fehler auf „{page}“</translation>
    </message>
    <message>
        <source>left a cart of {amount}</source>
        <translation>ließ einen Warenkorb über {amount} stehen</translation>
    </message>
    <message>
        <source>says they cannot find their way</source>
        <translation>sagt, dass er sich nicht zurechtfindet</translation>
    </message>
    <message>
        <source>chat started on &apos;{page}&apos;</source>
        <translation>Chat begonnen auf „{page}“</translation>
    </message>
    <message>
        <source>the web site</source>
        <translation>der Website</translation>
    </message>
    <message>
        <source>Stuck on the web site: {page}</source>
        <translation>Kommt auf der Website nicht weiter: {page}</translation>
    </message>
    <message>
        <source>Looked at {product} for {n} min</source>
        <translation>Hat sich {product} {n} Min. lang angesehen</translation>
    </message>
    <message>
        <source>{n} min on product pages in this visit, most on &apos;{product}&apos;</source>
        <translation>{n} Min. auf Produktseiten bei diesem Besuch, am längsten auf „{product}“</translation>
    </message>
    <message>
        <source>asks to see or try it in person</source>
        <translation>möchte es vor Ort sehen oder ausprobieren</translation>
    </message>
    <message>
        <source>looked at &apos;{product}&apos; {ago}</source>
        <translation>hat sich „{product}“ angesehen, {ago}</translation>
    </message>
    <message>
        <source>Wants to see {product} in person</source>
        <translation>Möchte {product} vor Ort sehen</translation>
    </message>
    <message>
        <source>asks what goes with it</source>
        <translation>fragt, was dazu passt</translation>
    </message>
</context>
<context>
    <name>labels</name>
    <message>
        <source>German</source>
        <translation>Deutsch</translation>
    </message>
    <message>
        <source>English</source>
        <translation>Englisch</translation>
    </message>
    <message>
        <source>Chat</source>
        <translation>Chat</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>E-Mail</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Telefon</translation>
    </message>
    <message>
        <source>Web</source>
        <translation>Web</translation>
    </message>
    <message>
        <source>Shop</source>
        <translation>Shop</translation>
    </message>
    <message>
        <source>Store</source>
        <translation>Filiale</translation>
    </message>
    <message>
        <source>App</source>
        <translation>App</translation>
    </message>
    <message>
        <source>Social media</source>
        <translation>Soziale Medien</translation>
    </message>
    <message>
        <source>SMS</source>
        <translation>SMS</translation>
    </message>
    <message>
        <source>Letter</source>
        <translation>Brief</translation>
    </message>
    <message>
        <source>Billing</source>
        <translation>Rechnung</translation>
    </message>
    <message>
        <source>Bronze</source>
        <translation>Bronze</translation>
    </message>
    <message>
        <source>Silver</source>
        <translation>Silber</translation>
    </message>
    <message>
        <source>Gold</source>
        <translation>Gold</translation>
    </message>
    <message>
        <source>Platinum</source>
        <translation>Platin</translation>
    </message>
    <message>
        <source>Available</source>
        <translation>Verfügbar</translation>
    </message>
    <message>
        <source>Busy</source>
        <translation>Beschäftigt</translation>
    </message>
    <message>
        <source>Away</source>
        <translation>Abwesend</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>Offline</translation>
    </message>
    <message>
        <source>Company</source>
        <translation>Firma</translation>
    </message>
    <message>
        <source>Awareness</source>
        <translation>Aufmerksamkeit</translation>
    </message>
    <message>
        <source>Interest</source>
        <translation>Interesse</translation>
    </message>
    <message>
        <source>Purchase</source>
        <translation>Kauf</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>Service</translation>
    </message>
    <message>
        <source>Not relevant</source>
        <translation>Nicht relevant</translation>
    </message>
    <message>
        <source>Already done</source>
        <translation>Schon erledigt</translation>
    </message>
    <message>
        <source>Wrong customer</source>
        <translation>Falscher Kunde</translation>
    </message>
    <message>
        <source>Inappropriate</source>
        <translation>Unpassend</translation>
    </message>
    <message>
        <source>Invitation sent — waiting for the customer to accept</source>
        <translation>Einladung gesendet — warte auf die Zustimmung des Kunden</translation>
    </message>
    <message>
        <source>The customer accepted — their page is connecting</source>
        <translation>Der Kunde hat zugestimmt — seine Seite verbindet sich</translation>
    </message>
    <message>
        <source>You see the customer&apos;s page</source>
        <translation>Sie sehen die Seite des Kunden</translation>
    </message>
    <message>
        <source>The customer paused sharing — you see nothing new</source>
        <translation>Der Kunde hat die Freigabe pausiert — Sie sehen nichts Neues</translation>
    </message>
    <message>
        <source>Cobrowse ended</source>
        <translation>Co-Browsing beendet</translation>
    </message>
    <message>
        <source>The customer declined cobrowse</source>
        <translation>Der Kunde hat das Co-Browsing abgelehnt</translation>
    </message>
    <message>
        <source>Cobrowse expired</source>
        <translation>Co-Browsing abgelaufen</translation>
    </message>
    <message>
        <source>customer value</source>
        <translation>Kundenwert</translation>
    </message>
    <message>
        <source>value tier</source>
        <translation>Kundenstufe</translation>
    </message>
    <message>
        <source>churn risk</source>
        <translation>Abwanderungsrisiko</translation>
    </message>
    <message>
        <source>marketing consent</source>
        <translation>Einwilligung zu Werbung</translation>
    </message>
    <message>
        <source>cobrowse consent</source>
        <translation>Einwilligung zum Co-Browsing</translation>
    </message>
    <message>
        <source>Resolved</source>
        <extracomment>The reference backend&apos;s standard wrap-up codes and their English labels. A label the backend sends that differs (a contact centre&apos;s own wording) is shown as it is.</extracomment>
        <translation>Gelöst</translation>
    </message>
    <message>
        <source>Information given</source>
        <translation>Auskunft gegeben</translation>
    </message>
    <message>
        <source>Follow-up needed</source>
        <translation>Nachbearbeitung nötig</translation>
    </message>
    <message>
        <source>Escalated</source>
        <translation>Eskaliert</translation>
    </message>
    <message>
        <source>Customer did not respond</source>
        <translation>Kunde hat nicht geantwortet</translation>
    </message>
    <message>
        <source>Wrong queue / transferred</source>
        <translation>Falsche Warteschlange / weitergeleitet</translation>
    </message>
    <message>
        <source>delivery</source>
        <extracomment>Topics of chats as the shop and the router name them.</extracomment>
        <translation>Lieferung</translation>
    </message>
    <message>
        <source>billing</source>
        <translation>Rechnung</translation>
    </message>
    <message>
        <source>payment</source>
        <translation>Zahlung</translation>
    </message>
    <message>
        <source>return</source>
        <translation>Rücksendung</translation>
    </message>
    <message>
        <source>return or refund</source>
        <translation>Rücksendung oder Erstattung</translation>
    </message>
    <message>
        <source>product</source>
        <translation>Produkt</translation>
    </message>
    <message>
        <source>product advice</source>
        <translation>Produktberatung</translation>
    </message>
    <message>
        <source>checkout</source>
        <translation>Kasse</translation>
    </message>
    <message>
        <source>order</source>
        <translation>Bestellung</translation>
    </message>
    <message>
        <source>cancellation</source>
        <translation>Kündigung</translation>
    </message>
    <message>
        <source>technical problem</source>
        <translation>technisches Problem</translation>
    </message>
    <message>
        <source>complaint</source>
        <translation>Beschwerde</translation>
    </message>
    <message>
        <source>account</source>
        <translation>Kundenkonto</translation>
    </message>
    <message>
        <source>address</source>
        <translation>Adresse</translation>
    </message>
    <message>
        <source>break</source>
        <translation>Pause</translation>
    </message>
    <message>
        <source>lunch</source>
        <translation>Mittagspause</translation>
    </message>
    <message>
        <source>missed an offer</source>
        <translation>Angebot verpasst</translation>
    </message>
    <message>
        <source>end of shift</source>
        <translation>Schichtende</translation>
    </message>
</context>
<context>
    <name>routing</name>
    <message>
        <source>{0} customer</source>
        <extracomment>attribute (last segment) -&gt; phrase; {0} is the value as the agent reads it.</extracomment>
        <translation>{0}-Kunde</translation>
    </message>
    <message>
        <source>{0} minutes on product pages</source>
        <translation>seit {0} Minuten auf Produktseiten</translation>
    </message>
    <message>
        <source>writes {0}</source>
        <translation>schreibt {0}</translation>
    </message>
    <message>
        <source>complaint still open</source>
        <translation>Beschwerde noch offen</translation>
    </message>
    <message>
        <source>churn risk {0} %</source>
        <translation>Abwanderungsrisiko {0} %</translation>
    </message>
    <message>
        <source>topic: {0}</source>
        <translation>Thema: {0}</translation>
    </message>
    <message>
        <source>cart worth {0}</source>
        <translation>Warenkorb im Wert von {0}</translation>
    </message>
    <message>
        <source>customer value {0}</source>
        <translation>Kundenwert {0}</translation>
    </message>
    <message>
        <source>no filter matched</source>
        <translation>kein Filter passte</translation>
    </message>
    <message>
        <source>{0} → {1} (default queue), step {2} of {3}</source>
        <translation>{0} → {1} (Standard-Warteschlange), Stufe {2} von {3}</translation>
    </message>
    <message>
        <source>{0} → {1}, step {2} of {3}</source>
        <translation>{0} → {1}, Stufe {2} von {3}</translation>
    </message>
    <message>
        <source>No workflow filter matched: default queue.</source>
        <translation>Kein Workflow-Filter passte: Standard-Warteschlange.</translation>
    </message>
    <message>
        <source>Filter: {0}</source>
        <translation>Filter: {0}</translation>
    </message>
    <message>
        <source>Step {0} of {1}: queue {2}</source>
        <translation>Stufe {0} von {1}: Warteschlange {2}</translation>
    </message>
    <message>
        <source>Agents: {0}</source>
        <translation>Agenten: {0}</translation>
    </message>
</context>
<context>
    <name>shortcuts</name>
    <message>
        <source>Accept the oldest offer</source>
        <translation>Das älteste Angebot annehmen</translation>
    </message>
    <message>
        <source>Decline the oldest offer</source>
        <translation>Das älteste Angebot ablehnen</translation>
    </message>
    <message>
        <source>Send the reply (Shift+Return: new line)</source>
        <translation>Antwort senden (Umschalt+Eingabe: neue Zeile)</translation>
    </message>
    <message>
        <source>Jump to the reply box</source>
        <translation>Zum Antwortfeld springen</translation>
    </message>
    <message>
        <source>Close the conversation with a wrap-up code</source>
        <translation>Das Gespräch mit einem Abschlusscode beenden</translation>
    </message>
    <message>
        <source>Next conversation</source>
        <translation>Nächstes Gespräch</translation>
    </message>
    <message>
        <source>Previous conversation</source>
        <translation>Vorheriges Gespräch</translation>
    </message>
    <message>
        <source>Go to conversation 1 … 9</source>
        <translation>Zu Gespräch 1 … 9 wechseln</translation>
    </message>
    <message>
        <source>Presence: Available</source>
        <translation>Status: Verfügbar</translation>
    </message>
    <message>
        <source>Presence: Away</source>
        <translation>Status: Abwesend</translation>
    </message>
    <message>
        <source>Presence: Offline</source>
        <translation>Status: Offline</translation>
    </message>
    <message>
        <source>Show this list</source>
        <translation>Diese Liste zeigen</translation>
    </message>
</context>
<context>
    <name>why_html</name>
    <message>
        <source>default route (no filter matched)</source>
        <translation>Standardroute (kein Filter passte)</translation>
    </message>
    <message>
        <source>Route: {0} — step {1} of {2}, queue {3}</source>
        <translation>Route: {0} — Stufe {1} von {2}, Warteschlange {3}</translation>
    </message>
    <message>
        <source>Agents who may take it: {0}</source>
        <translation>Agenten, die sie übernehmen dürfen: {0}</translation>
    </message>
    <message>
        <source>{0} agents match, {1} available with room right now</source>
        <translation>{0} Agenten passen, {1} jetzt verfügbar mit freier Kapazität</translation>
    </message>
    <message>
        <source>Offered to {0}, waiting for an answer</source>
        <translation>Angeboten an {0}, wartet auf Antwort</translation>
    </message>
    <message>
        <source>Next step at {0} (in {1})</source>
        <translation>Nächste Stufe um {0} (in {1})</translation>
    </message>
    <message>
        <source>Last step: it waits here for an agent</source>
        <translation>Letzte Stufe: sie wartet hier auf einen Agenten</translation>
    </message>
    <message>
        <source>Given up at {0} if nobody takes it</source>
        <translation>Wird um {0} aufgegeben, wenn niemand sie übernimmt</translation>
    </message>
</context>
</TS>
