<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>AboutDialog</name>
    <message>
        <source>About</source>
        <extracomment>(distribution, licence when its metadata does not say): what the application ships. Parts that are not Python distributions.</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Agent workstation {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Versions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Third-party software and licences</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About Qt</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>AgentRosterModel</name>
    <message>
        <source>set by {0}</source>
        <extracomment>Raw values for sorting (numbers sort as numbers, states in a useful order).</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Agent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time in state</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chats</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Skills</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Languages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Handled today</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>since {0}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CallPanel</name>
    <message>
        <source>Connecting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>On the call</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>On hold</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Call ended: after-call work (Ctrl+W to wrap up)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hold</source>
        <extracomment>During after-call work: how long until the backend wraps up by itself.</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mute</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Transfer to agent or number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Transfer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hang up</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>withheld number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resume</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wrap-up due in {0}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CallPresence</name>
    <message>
        <source>On a call</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>After-call work</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CallPreview</name>
    <message>
        <source>Looking at the history…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Find the caller: name, number or e-mail</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Find</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This is the caller</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Link this call to the customer selected above</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next best actions: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing in the history calls for attention.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No customer matches.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Call linked to {0}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CobrowseView</name>
    <message>
        <source>QtWebEngine is not available ({0}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pointer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show the customer where your mouse points</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Highlight</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Click an element to highlight it on the customer&apos;s screen</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Text view</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show the page as text (also when the live view is unavailable)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Page of the same site, e.g. /shop/help/returns</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send page</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ask the customer to go to this page</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>End cobrowse</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Waiting for the customer&apos;s page…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Live view unavailable: {0} Showing the page as text.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connection to the customer&apos;s page: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(no title)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Headings:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Form fields:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>checked</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not checked</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(masked)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(empty)</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n region(s) hidden by the customer&apos;s page (e.g. card details).</source>
        <translation>
            <numerusform>%n region hidden by the customer&apos;s page (e.g. card details).</numerusform>
            <numerusform>%n regions hidden by the customer&apos;s page (e.g. card details).</numerusform>
        </translation>
    </message>
    <message>
        <source>Links:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Highlighted for the customer: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sent to the customer: {0}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ConflictDialog</name>
    <message>
        <source>Changed in {0}: {1}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;b&gt;{0}&lt;/b&gt; of &lt;b&gt;{1}&lt;/b&gt; was changed in {2} and in the desk since they last agreed. Choose which value to keep; nothing is written until you do.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Changed meanwhile: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;b&gt;{0}&lt;/b&gt; of &lt;b&gt;{1}&lt;/b&gt; was changed by someone else ({2}) while your change was waiting to be sent. Choose which value to keep; nothing is saved until you do.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;b&gt;{0}&lt;/b&gt; of &lt;b&gt;{1}&lt;/b&gt; was changed by someone else while your change was waiting to be sent. Choose which value to keep; nothing is saved until you do.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Field</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Before (base)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved meanwhile (theirs)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>In {0} (theirs)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Yours (mine)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keep the chosen values</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Decide later</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your other changes ({0}) do not collide and are kept.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ConnectorConflictsModel</name>
    <message>
        <source>Customer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Field</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Upstream value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Desk value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>When</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ConnectorConflictsPage</name>
    <message>
        <source>Refresh</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Load more</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connector:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No connector is configured.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No open conflicts.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n conflict(s) shown, more to load</source>
        <translation>
            <numerusform>%n conflict shown, more to load</numerusform>
            <numerusform>%n conflicts shown, more to load</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n open conflict(s)</source>
        <translation>
            <numerusform>%n open conflict</numerusform>
            <numerusform>%n open conflicts</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ConversationTabs</name>
    <message>
        <source>No open conversations.
New chats are offered here as they arrive.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No open conversations.
Set yourself Available (Ctrl+1) to receive chats.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ConversationView</name>
    <message>
        <source>Conversation with {0}</source>
        <extracomment>(conversation_id, customer_id, event_id): open a past conversation of the history read-only (customer_id): the agent scrolled past the cached history (customer_id) / (customer_id, text) / (customer_id, note_id, text)</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Type a reply — Enter sends, Shift+Enter for a new line</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reply to {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no topic</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invite to cobrowse</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checking whether the customer is on the web site…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>History</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Notes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Notes ({0}, {1} not sent)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Notes ({0})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The history filter was cleared to show that event.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>That event is not in the loaded history yet.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CustomerEditDialog</name>
    <message>
        <source>Contact details of {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved at once on this desktop and sent when the backend is reachable. If someone else changed the same field meanwhile, you will be asked which value to keep.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CustomerHeader</name>
    <message>
        <source>Edit details…</source>
        <extracomment>Room under the last card (pixels), and the least the cards get (the &quot;hidden&quot; toggle and a note).</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open in {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> (not sent yet)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved on this desktop, not sent yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>⚠ changed by someone else meanwhile: decide in the status bar</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading customer record…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tier: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CLV: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Language: {0}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DeskController</name>
    <message>
        <source>Could not link the call: {0}</source>
        <extracomment>Opening a conversation: the cache read and ranking off the GUI thread, then one &quot;ready&quot;. Ringing calls&apos; previews on their offer cards, by offer id (gone with the card). tabs built while the conversation service reads their conversation (shown once ready)</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Incoming call offered: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New chat offered: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An offer timed out and went back to the queue.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not accept: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This conversation&apos;s history could not be read from the local cache: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not delivered</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Updated {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading from the backend…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>From the local cache (as of {0}), refreshing…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>⚠ Offline since {0}: nothing cached for this customer yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>⚠ Offline since {0}: shown as of {1}, may be out of date</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} — {1}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>✓ Done: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dismissed ({0}): {1}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not invite to cobrowse: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No wrap-up codes are available (offline?).</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>HistoryPanel</name>
    <message>
        <source>Search the history…</source>
        <extracomment>Longest upstream link the history offers to open.</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Best matches first</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>List the events that match the search best first, not the newest first</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Channel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kind</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only the {0} phase of the journey</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only open issues</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unresolved contacts, open complaints, delays, failed payments, pending returns</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clear</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open transcript</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Channel ({0})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kind ({0})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>settled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>… {0} earlier, </source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open in %s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Logged by: %s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} events</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} matching</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>start of history</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>older history not cached (offline)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>scroll for more</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>loading older history…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LiveReplay</name>
    <message>
        <source>The rrweb web assets are not installed (run `npm ci --prefix workstation/web`).</source>
        <extracomment>The replay page&apos;s own origin: the desk serves it (inlined, by setHtml), nothing is ever fetched from it. The customer&apos;s site (the shop, even when the backend serves it) is a third party here. Schemes that carry their content in the URL itself (rrweb uses them for inlined images and canvases); none reaches the network. Blocked addresses remembered for diagnostics and tests (the count goes on). How long the replay page may take to come up before the view falls back to text.</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>QtWebChannel&apos;s script is missing from this Qt installation.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The live view did not start in time.</source>
        <extracomment>The latest blocked addresses (up to BLOCKED_KEPT), for diagnostics and tests.</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The live view&apos;s page did not load.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The live view&apos;s renderer stopped ({0}, code {1}).</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>Sign in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remember me on this computer (system keychain)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Server</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>User</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Plain HTTP is only allowed to this computer; use https://</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Agent workstation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Presence</source>
        <extracomment>The signed-in desk (set by DeskController); None while connecting or signed out. Team leads: the queue monitor in place of the conversations. Help ▸ Save diagnostics and File ▸ Settings, set once they loaded (after the first paint). Writes waiting in the outbox; quitting asks when there are any, and after the agent said yes. What screen readers were last told (tests read it; Qt gives no way to listen).</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> Presence: </source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Play a sound for new offers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Desktop notification for new offers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Conversation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Accept offer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Decline offer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Reply</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Close and wrap up…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Next conversation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Previous conversation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Presence</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Keyboard shortcuts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save &amp;diagnostics…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A zip file for IT support: logs, versions and configuration, without tokens or customer data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;About</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You missed an offer and were set to Away.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your team lead ({0}) set you to {1}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keys</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Action</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} (and {1} more)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Configuration problem: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save diagnostics</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Zip archives (*.zip)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The diagnostics could not be saved to {0}: {1}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Diagnostics saved to {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings are not available in this session.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved. Language and server change at the next start.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Queue monitor — Agent workstation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Starting the embedded backend…</source>
        <extracomment>How long the loading waits for the window&apos;s first paint (a real display may expose it late; offscreen it paints inside show()).</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offline data updated.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Updating your offline data…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The built-in demo server did not start; the log in {0} says why.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server cannot be reached: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MonitorCharts</name>
    <message>
        <source>Waiting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Service level %</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Agents</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>NotesPanel</name>
    <message>
        <source>Write a note about the customer — Ctrl+Enter saves</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add note</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Edit selected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save changes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Editing a note</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Notifier</name>
    <message>
        <source>Agent workstation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New chat: {0}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>OfferCard</name>
    <message>
        <source>withheld number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unknown caller {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>topic: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chat started on {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Why: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Why this offer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Accept</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Accept (Ctrl+Shift+A)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Decline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Decline (Ctrl+Shift+D)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Accept the chat with {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Decline the chat with {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n s left</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Timed out</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>OsError</name>
    <message>
        <source>Permission denied</source>
        <extracomment>The file-system failures an agent meets (saving diagnostics, exports): the C library words them in English whatever the desktop&apos;s language, so the common ones are the catalogue&apos;s.</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No such file or folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A part of the path is not a folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>That is a folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No space left on the drive</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The drive is read-only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The file exists already</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>QueueMonitorView</name>
    <message>
        <source>Queue monitor</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Filter: name, skill, language…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All states</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Selected queue only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Set Available</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Set Away</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Selected agent:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Select a waiting task to see why it is still waiting.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Move to queue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Move the selected task to:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Agents</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Conflicts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Service level, answered, abandoned: last {0} min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Agents ({0})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>● Live — {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Waiting ({0})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;i&gt;This task is no longer waiting.&lt;/i&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stale since {0} — reconnecting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The backend refused the session: {0}. Sign in again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} is now {1}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;i&gt;Asking the backend…&lt;/i&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export the snapshot</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not export: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Exported to {0}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>QueueTile</name>
    <message>
        <source>on target</source>
        <extracomment>The status in words: the tile&apos;s colour is never the only sign (colour-blind agents, screen readers).</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>at risk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>off target</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not live</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>waiting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>SL {0}  (goal {1:.0%} in {2} s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Longest {0} · Avg {1}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> (+{0} expired)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Answered {0} · Abandoned {1}{2}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Agents {0} avail · {1} busy · {2} away</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Average wait: time to answer of the contacts (chats or calls) answered in the window.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Service level: answered within {0} s ÷ (answered + abandoned after {0} s + expired).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Queue {0}: {1}, {2} waiting</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>QuitQuestion</name>
    <message numerus="yes">
        <source>%n open chat(s)</source>
        <translation>
            <numerusform>%n open chat</numerusform>
            <numerusform>%n open chats</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n change(s) not sent yet</source>
        <translation>
            <numerusform>%n change not sent yet</numerusform>
            <numerusform>%n changes not sent yet</numerusform>
        </translation>
    </message>
    <message>
        <source>You have {0}. Quit anyway? You will be set to Offline; unsent changes are sent at the next start.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> and </source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quit the workstation?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RelevanceCardWidget</name>
    <message>
        <source>Do it</source>
        <extracomment>Chips and links beyond these go into the tooltip: the card must stay readable at a glance.</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Suggested action</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Insight</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mark as done: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>+{0} more</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About:</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RelevancePanel</name>
    <message>
        <source>Next best actions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing stands out for this customer right now.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ranking…</source>
        <extracomment>grows on demand up to MAX_CARDS, then reused: a re-rank rewrites these in place</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Journey: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hide the {0} not shown ▴</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show {0} hidden ▾</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <extracomment>The proxy combo&apos;s entry for a URL typed in (the setting itself is then the URL). Options that are read at start (the connections are made then). Language choices; the languages are named in themselves, as every settings dialog does.</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>System language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Play a sound for new offers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Desktop notification for new offers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Empty: the built-in demo server</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Server</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No proxy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>System proxy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Manual proxy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Proxy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Proxy URL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Language, server and proxy change at the next start; open conversations are kept.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The proxy must be a URL such as http://proxy.example:3128 (without a path).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The settings could not be saved: {0}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>StatusBar</name>
    <message>
        <source>Starting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Changes someone else made at the same time: choose what to keep</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>● Online</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>● Offline since {0} — reconnecting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The backend cannot be reached. Everything cached stays usable; what you write is saved here and sent when the connection is back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>● Signed out: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n change(s) waiting to be sent</source>
        <translation>
            <numerusform>%n change waiting to be sent</numerusform>
            <numerusform>%n changes waiting to be sent</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>⚠ %n change(s) need your decision</source>
        <translation>
            <numerusform>⚠ %n change needs your decision</numerusform>
            <numerusform>⚠ %n changes need your decision</numerusform>
        </translation>
    </message>
    <message>
        <source>Someone else changed a record you edited. Click the red note to decide.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TimelineModel</name>
    <message>
        <source>Today</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Yesterday</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TranscriptDialog</name>
    <message>
        <source>Customer</source>
        <extracomment>the kinds an agent filters by, in the words of the event vocabulary Pixels above and below a history row&apos;s text.</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Agent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>System</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This conversation has no messages.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Read-only: a past conversation.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TranscriptModel</name>
    <message>
        <source> · sending…</source>
        <extracomment>Enough for any chat; older lines stay in the cache. Each row&apos;s display text once rendered, by row (None: not yet). A word-wrapped list view asks every row for its text at every relayout (each new line, each confirmed reply), and formatting the time in the local zone is most of that cost: it was most of the GUI thread&apos;s work on the way from &quot;send&quot; to the request going out.</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> · not delivered</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>System</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>⚠ {0}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TrayMenu</name>
    <message>
        <source>&amp;Show the workstation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>WaitingModel</name>
    <message>
        <source>Customer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Queue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Topic</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offered to</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>WrapUpDialog</name>
    <message>
        <source>Wrap up</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Close conversation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>How did the conversation with {0} end?</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>domain</name>
    <message>
        <source>weak evidence: nothing in the history or the customer record behind it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>done in this conversation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>dismissed here: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>less relevant than the cards shown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not relevant enough now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not current: {why}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{action} only {conditions}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not allowed: {why}</source>
        <extracomment>the policy expression and its values, for team leads who tune the catalogue</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>for {expected} customers (this customer: {value})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>from a customer value of {expected} (this customer: {value})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>after a service failure on our side</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>while the order is on its way</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>while the matter is still open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>for serious complaints</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>from contact no. {expected} on the matter (now: {value})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>if the customer has agreed to cobrowsing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>while the customer is on the web site</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>when a specialist is needed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>with the customer&apos;s marketing consent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>when no problem is open (open now: {value})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>when the customer does not want to cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>before the refund is made</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>while it is current</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>in a different situation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> or </source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> and </source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{tier} customer, CLV {clv}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>has agreed to cobrowsing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>marketing consent given, no open problem</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ranked lower: agents dismissed it {count}× in similar {channel}s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>agents took this {count}× in similar {channel}s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>customer is asking about {topic}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>call is about {topic}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>searched or read about {topic} in this visit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>customer mentions {things}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>customer mentions the {thing}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>customer says it is not the first time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The conversation is not active.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cobrowse needs a web chat.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The customer has refused cobrowse (no cobrowse consent).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The customer declined cobrowse in this conversation.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A cobrowse session is already {state}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The customer is not on the web site now (no page with the chat is open).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invite the customer to share their web page with you.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The conversation is already closed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A message must not be empty.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An agent message may have at most {limit} characters; this one has {length}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No offer {offer_id}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The offer has expired.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown wrap-up code &apos;{code}&apos;.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A note must not be empty.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A note may have at most {limit} characters.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A dismissal needs a reason.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown user or wrong password.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Missing bearer token.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invalid or expired token.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The user of this token no longer exists.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search for at least {count} characters.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This call is already linked to a customer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Link the call to a customer, not to an unknown caller.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No customer {customer_id}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The session was signed out.</source>
        <extracomment>Fixed reasons that travel over the push streams (WebSocket close reasons, cobrowse relay errors); the desk looks them up in the catalogue as whole texts.</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not allowed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Frame too large; sending a fresh snapshot.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Malformed frame.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The customer&apos;s page is not connected.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The customer accepted cobrowse.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The customer resumed cobrowse.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The customer paused cobrowse.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The customer declined cobrowse.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{agent} invited the customer to cobrowse (to see and guide their web page).</source>
        <extracomment>Cobrowse lines that name the agent or a reason: one whole sentence per case (no fragments), so a translation can put the name where its grammar wants it.</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cobrowse started: {agent} sees the customer&apos;s page (form fields masked).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cobrowse expired.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cobrowse expired ({reason}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cobrowse ended.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cobrowse ended ({reason}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cobrowse ended by the customer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cobrowse ended by the customer ({reason}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cobrowse ended by {agent}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cobrowse ended by {agent} ({reason}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The agent</source>
        <extracomment>the agent of a line whose agent record is gone</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no answer within {seconds} s</source>
        <extracomment>why the backend ended or expired a cobrowse session (the session keeps the English text)</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the customer&apos;s page did not start sharing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>paused for more than {minutes} min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the customer left the web site</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A message was refused by the backend: {reason}</source>
        <extracomment>What the desk says when the backend refused a queued write, by kind of write (&quot;&quot; : any other).</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A wrap-up was refused by the backend: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A presence change was refused by the backend: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A change was refused by the backend: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The backend cannot be reached.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The backend cannot be reached; try again in a moment.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The backend cannot be reached; the offer could not be accepted.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The backend cannot be reached; the offer will time out by itself.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The backend cannot be reached; the session was not ended.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing to send.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown conversation.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The cobrowse connection is not open.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The cobrowse session is {state}, not active.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The cobrowse connection was lost; reconnecting.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This event has no transcript.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>That transcript is not cached; it opens when the backend is reachable.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Transcript not available: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The history cannot be loaded: the backend cannot be reached.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The history cannot be loaded: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The customer&apos;s record is not in the local cache yet; try again shortly.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not editable here: {fields}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>That note is not in the local cache.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No softphone configured: calls are not offered to this desk.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The softphone is not running: calls are not offered to you until it runs.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Softphone connected.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Softphone registered.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The softphone is not registered: calls are not offered to you.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The softphone went away. Calls are not offered to you.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The softphone is not running.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The softphone is not connected.</source>
        <extracomment>A call command the softphone did not carry out (the call panel shows it).</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The softphone did not answer &apos;{command}&apos; in {seconds} s.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The softphone connection broke: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The softphone refused &apos;{command}&apos;: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The softphone refused &apos;{command}&apos;: no reason given</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calls ring on your desk phone once you accept them here.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use your desk phone for this.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No system keychain is available (keyring found no usable backend). On Linux, install and unlock a Secret Service provider such as GNOME Keyring or KWallet. The sign-in token is kept in memory only and will not be remembered.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The system keychain refused access: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The system keychain refused to store the token: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No statistics have arrived yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The note itself could not be saved, so neither can the edit.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unknown kind of write &apos;{kind}&apos;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>it could not be saved on this computer ({error})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the backend refused the session token</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>reconnecting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>invited</source>
        <extracomment>the states of a cobrowse session that cannot be steered, as COBROWSE_NOT_STEERABLE names them</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>accepted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>paused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ended</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>declined</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The conversation is {state}, not waiting.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is no queue &apos;{queue_id}&apos;.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No conversation {conversation_id}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No agent {agent_id}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The customer left.</source>
        <extracomment>A system line of a transcript (the backend stores the English text; the desk shows it translated).</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>active</source>
        <extracomment>Conversation states, as NOT_WAITING names them.</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>closed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>if {condition}</source>
        <extracomment>A parameter of a refusal longer than this is not the backend&apos;s wording but something odd: dropped. Attributes that hold money (shown as amounts, not bare numbers).</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Give tracking</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Give tracking for order {order_id}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Apologise + voucher</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Apologise and offer a goodwill voucher</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Escalate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Escalate to the complaints team: {topic}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settle payment</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settle the open payment ({amount})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start cobrowse</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invite to cobrowse and guide them to the right page</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retention offer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Make a retention offer ({product})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Specialist callback</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Schedule a specialist callback: {topic}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Book appointment</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offer an appointment in a branch to see {product}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Suggest product</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Suggest something that fits the {product}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Advise on {product} and what goes with it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Progress return</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Progress the return and refund of order {order_id}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Troubleshoot device</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Troubleshoot the {device}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>this</source>
        <extracomment>Words the engine puts into its reasons (topics, tiers).</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the product</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the issue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the amount</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>device</source>
        <extracomment>the named weights table (resources/relevance_weights.toml)</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>bronze</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>silver</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>gold</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>platinum</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>low</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>medium</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>high</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>info</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>warning</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>critical</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>phone</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>email</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>chat</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>web</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>app</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>shop</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Phone</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Email</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chat</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Web</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>App</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shop</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Platinum</source>
        <extracomment>Evidence weights (resources/relevance_weights.toml): what the customer says counts most, then the IVR topic, then what they did in this visit, then the page. How much a generic topic counts next to a specific one when weighing what the customer said.</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Gold</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Silver</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bronze</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>delivery</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>an order</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a return or refund</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>billing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cancelling</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a technical problem</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a complaint</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>finding their way on the web site</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>seeing it in person</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>product advice</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>their address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>their account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>an earlier contact that was not followed up</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Valued customer who wants to cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Valued customer with 1 open problem</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Valued customer with {n} open problems</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>in {n} min</source>
        <extracomment>an open problem (blocks cross-selling, counts in context.open_problems) freshness never falls below this (an open complaint stays relevant) dropped as settled or too old: the reason, shown under &quot;hidden&quot;</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} min ago</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>in {n} h</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} h ago</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>tomorrow</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>yesterday</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>in {n} days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} days ago</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>in {n} months</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} months ago</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>churn risk {percent} %</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>order {order_id}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n}th</source>
        <extracomment>Contacts older than this are never counted (contacts() looks back 60 days): no need to pair them. Kinds whose records are counted or listed one by one, so a twin would show twice. page views and searches of the last week before this visit the other records of an event two systems logged (the first record&apos;s id -&gt; the others&apos; ids)</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n}st</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n}nd</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n}rd</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Order {order_id}: refund of {amount} issued</source>
        <extracomment>An order settled longer ago than this (refunded, or delivered and kept) is not shown unless named. the named weights table (resources/relevance_weights.toml) still needs someone, as the whole domain reads it (a delay not delivered, a return not refunded)</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>refunded {ago}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>return requested {ago} ({reason})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>return requested {ago}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no refund yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Return of order {order_id} ({product}) not refunded yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Return of order {order_id} not refunded yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>return requested {ago}, probably settled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Order {order_id} ({product}) marked delivered {ago}, customer has nothing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Order {order_id} marked delivered {ago}, customer has nothing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>delivered {day} by {carrier}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>delivered {day}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>customer says it did not arrive: trace with the carrier</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bought {product} {ago}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Order {order_id} delivered</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>delivered {ago}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>delayed 1 day: was due {due}, now {new}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>delayed {n} days: was due {due}, now {new}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>new delivery date {day}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>reason: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Order {order_id} is delayed ({reason})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Order {order_id} is delayed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>delay reported {ago}, no news since</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>shipped {ago} with {carrier}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>shipped {ago}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>expected {day} — overdue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>expected {day}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Order {order_id} is overdue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Order {order_id} ({product}) is on its way</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Order {order_id} is on its way</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>shipped {ago}, no delivery recorded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Order {order_id} ({product}) placed {ago}, not shipped yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Order {order_id} placed {ago}, not shipped yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>placed {day}, {amount}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>placed {day}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not shipped yet: address and items can still change</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>placed {ago}, no shipment recorded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>payment of {amount} failed {ago} ({reason})</source>
        <extracomment>the named weights table (resources/relevance_weights.toml)</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>payment of {amount} failed {ago}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>invoice {invoice} overdue: {amount}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>invoice {invoice} overdue {days} days: {amount}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open payment: {fact}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>complaint</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open complaint: {topic} ({severity})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>complaint raised {ago}, still open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>severity {severity}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Complaint about {topic} resolved {ago}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>resolved {day}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>resolved {ago}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{channel} contact about {topic} {ago} (resolved)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{ordinal} contact on the same unresolved topic</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} earlier ({channels}), first {ago}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>callback promised {ago}, not kept</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>customer was upset last time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Callback on {topic} promised {ago}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unresolved: {topic}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{device}: alert {code} cleared</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cleared {day}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{severity} alert {code}: {message}, active since {ago}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{severity} alert {code}, active since {ago}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{device}: {code} ({severity}) — {message}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>alert</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{device}: {code} ({severity})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>last reported {ago}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancellation intent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{ago}, no follow-up</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>said {ago} by {channel} that they want to cancel {product} ({reason})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>said {ago} by {channel} that they want to cancel {product}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>on the cancellation page {ago}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>says so now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wants to cancel {product}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wants to cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the contract</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>App error on &apos;{screen}&apos;: {message}</source>
        <extracomment>the named weights table (resources/relevance_weights.toml)</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} errors in the app this week, last {ago}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1 error in the app this week, last {ago}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>app error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Gave NPS {nps} {ago}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>comment: “{comment}”</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unhappy in the last survey</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Complained publicly {ago}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>social media post</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Left a cart of {amount} {ago}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Address changed {ago}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Appointment at {branch} on {day}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a branch</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Contract changed {ago}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>came back {n} times to pages already seen</source>
        <extracomment>the named weights table (resources/relevance_weights.toml)</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>went back and forth between {pages}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>read help pages {pages}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>read help page {pages}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} min on &apos;{page}&apos;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>searched {n} times</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>error on &apos;{page}&apos;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>left a cart of {amount}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>says they cannot find their way</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>chat started on &apos;{page}&apos;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the web site</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stuck on the web site: {page}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Looked at {product} for {n} min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} min on product pages in this visit, most on &apos;{product}&apos;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>asks to see or try it in person</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>looked at &apos;{product}&apos; {ago}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wants to see {product} in person</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>asks what goes with it</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>labels</name>
    <message>
        <source>German</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>English</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chat</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Phone</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Web</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shop</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Store</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>App</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Social media</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>SMS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Letter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Billing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bronze</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Silver</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Gold</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Platinum</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Available</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Busy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Away</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Company</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Awareness</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Interest</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Purchase</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Service</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not relevant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Already done</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wrong customer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Inappropriate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invitation sent — waiting for the customer to accept</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The customer accepted — their page is connecting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You see the customer&apos;s page</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The customer paused sharing — you see nothing new</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cobrowse ended</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The customer declined cobrowse</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cobrowse expired</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>customer value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>value tier</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>churn risk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>marketing consent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cobrowse consent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resolved</source>
        <extracomment>The reference backend&apos;s standard wrap-up codes and their English labels. A label the backend sends that differs (a contact centre&apos;s own wording) is shown as it is.</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Information given</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Follow-up needed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Escalated</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Customer did not respond</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wrong queue / transferred</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>delivery</source>
        <extracomment>Topics of chats as the shop and the router name them.</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>billing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>payment</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>return</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>return or refund</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>product</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>product advice</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>checkout</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>order</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cancellation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>technical problem</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>complaint</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>break</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>lunch</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>missed an offer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>end of shift</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>routing</name>
    <message>
        <source>{0} customer</source>
        <extracomment>attribute (last segment) -&gt; phrase; {0} is the value as the agent reads it.</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} minutes on product pages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>writes {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>complaint still open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>churn risk {0} %</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>topic: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cart worth {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>customer value {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no filter matched</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} → {1} (default queue), step {2} of {3}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} → {1}, step {2} of {3}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No workflow filter matched: default queue.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Filter: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Step {0} of {1}: queue {2}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Agents: {0}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>shortcuts</name>
    <message>
        <source>Accept the oldest offer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Decline the oldest offer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send the reply (Shift+Return: new line)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Jump to the reply box</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Close the conversation with a wrap-up code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next conversation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Previous conversation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Go to conversation 1 … 9</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Presence: Available</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Presence: Away</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Presence: Offline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show this list</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>why_html</name>
    <message>
        <source>default route (no filter matched)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Route: {0} — step {1} of {2}, queue {3}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Agents who may take it: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} agents match, {1} available with room right now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offered to {0}, waiting for an answer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next step at {0} (in {1})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last step: it waits here for an agent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Given up at {0} if nobody takes it</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
