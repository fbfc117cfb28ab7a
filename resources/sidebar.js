/*
 * The SSI ECR sidebar tab's code (src/nodes/ssi-ecr-sidebar.html registers the plugin and loads this file first).
 * Node-RED serves it from the module's resources/ folder at resources/@ssi-ecr/node-red/sidebar.js; the plugin's
 * HTML loads it with that relative URL and finds it as window.SsiEcrSidebar. Plain ES5 for the browser, no build
 * step; loading it more than once keeps the first copy. It touches neither the DOM nor jQuery while it loads.
 *
 * The tab shows each deployed ssi-terminal with its live status, the operations whose outcome nobody could
 * establish (with what is known, and buttons to settle them once the terminal was checked), and its last outcomes.
 * It reads GET ssi-ecr/terminals (ssi-terminal.read), settles through POST ssi-ecr/journal/<id>/resolve/<record>
 * (ssi-terminal.write: without it no button is shown), and reads again when the runtime says something changed.
 * Every text from a flow (names, correlation ids) goes in as text, never as HTML.
 */
window.SsiEcrSidebar =
  window.SsiEcrSidebar ||
  (function () {
    'use strict';
    var NS = '@ssi-ecr/node-red/ssi-ecr-sidebar:sidebar.';
    var TERMINAL_NS = '@ssi-ecr/node-red/ssi-terminal:ssi-terminal.';
    var CURRENCIES = { 980: 'UAH', 840: 'USD', 978: 'EUR' };
    /** Statuses the terminal shows while it works (blue, as the nodes show them). */
    var BUSY = ['S01', 'S02', 'S03', 'S04', 'S05', 'S07', 'S08'];

    function t(key, values) {
      return RED._(NS + key, values);
    }

    /** A key of the ssi-terminal catalogue (statuses, reasons), or `fallback` when it has none. */
    function tt(key, fallback) {
      var text = RED._(TERMINAL_NS + key);
      return text && text !== TERMINAL_NS + key && text !== key ? text : fallback;
    }

    function money(minor, currency) {
      if (typeof minor !== 'number' || !isFinite(minor)) return '';
      var text = Math.floor(minor / 100) + '.' + ('0' + (minor % 100)).slice(-2);
      return currency ? text + ' ' + (CURRENCIES[currency] || currency) : text;
    }

    function two(n) {
      return ('0' + n).slice(-2);
    }

    /** HH:MM:SS by the editor's clock; the date too when it is not today. */
    function when(iso) {
      var d = new Date(iso);
      if (isNaN(d.getTime())) return String(iso || '');
      var time = two(d.getHours()) + ':' + two(d.getMinutes()) + ':' + two(d.getSeconds());
      return d.toDateString() === new Date().toDateString()
        ? time
        : d.getFullYear() + '-' + two(d.getMonth() + 1) + '-' + two(d.getDate()) + ' ' + time;
    }

    /** The flow node with this id as its label, a link that shows it in the workspace; the id if it is gone. */
    function nodeLink(id) {
      var node = id && RED.nodes.node(id);
      if (!node) return $('<span>').text(id || '');
      var label = RED.utils.getNodeLabel(node, node.type);
      return $('<a class="ssi-ecr-node-link">')
        .text(label)
        .attr('title', node.type + ' ' + id)
        .on('click', function (e) {
          e.preventDefault();
          RED.view.reveal(id);
        });
    }

    /** The terminal's state in words, and the colour of its dot. */
    function statusOf(term) {
      if (term.configError) return { fill: 'red', text: tt('status.config-error', 'terminal settings invalid') + ': ' + term.configError };
      if (term.journal) return { fill: 'red', text: tt('status.journal-error', 'journal unusable') };
      switch (term.reachability) {
        case 'connecting':
          return { fill: 'yellow', text: tt('status.connecting', 'connecting') };
        case 'disconnected': {
          // In the words the nodes' status uses, with the system's own message for whoever fixes it.
          var words = term.reason
            ? tt('status.unreachable.' + term.reason, tt('status.disconnected', 'disconnected'))
            : tt('status.disconnected', 'disconnected');
          return { fill: 'red', text: words + (term.error ? ' (' + term.error + ')' : '') };
        }
        case 'connected':
          if (!term.status) return { fill: 'green', text: tt('status.connected', 'connected') };
          return {
            fill: term.status === 'S00' ? 'green' : BUSY.indexOf(term.status) >= 0 ? 'blue' : 'yellow',
            text: tt('status.' + term.status, term.status),
          };
        default:
          return { fill: 'grey', text: tt('status.unknown', 'not connected yet') };
      }
    }

    function firmwareText(firmware) {
      return firmware === '1.1' ? t('firmware.v11') : firmware === '1.4' ? t('firmware.v14') : t('firmware.unknown');
    }

    /** "Purchase 7.78 UAH": what the operation was. */
    function whatOf(method, amount, currency) {
      var m = money(amount, currency);
      return m ? method + ' ' + m : method;
    }

    function fact(text) {
      return $('<div class="ssi-ecr-fact">').text(text);
    }

    function recordFacts(r) {
      var out = [];
      var ids = [];
      if (r.ref) ids.push(t('record.ref', { ref: r.ref }));
      if (r.transactionUid) ids.push(t('record.uid', { uid: r.transactionUid }));
      if (r.rrn) ids.push(t('record.rrn', { rrn: r.rrn }));
      if (r.invoiceNum) ids.push(t('record.invoice', { invoice: r.invoiceNum }));
      if (ids.length) out.push(fact(ids.join(' · ')));
      if (r.node)
        out.push(
          $('<div class="ssi-ecr-fact">')
            .text(t('record.node') + ' ')
            .append(nodeLink(r.node)),
        );
      if (r.sentAt) out.push(fact(t(r.acknowledged ? 'record.acked' : 'record.notAcked', { time: when(r.sentAt) })));
      if (r.secondStep)
        out.push(fact(t(r.secondStep.acknowledged ? 'record.step2Acked' : 'record.step2NotAcked', { time: when(r.secondStep.sentAt) })));
      if (r.lastStatus) out.push(fact(t('record.lastStatus', { status: tt('status.' + r.lastStatus, r.lastStatus) })));
      if (r.superseded) out.push(fact(t('record.superseded')));
      // The library's words, without what the title already says ("Purchase: outcome unknown: ").
      if (r.reason) out.push(fact(t('record.reason', { reason: r.reason.replace(/^\w+: /, '').replace(/^outcome unknown: /, '') })));
      return out;
    }

    var VERDICT_KEYS = { approved: 'approved', 'not-performed': 'notPerformed', checked: 'checked' };

    function confirmSettle(term, r, verdict) {
      var what = whatOf(r.method, r.amount, r.currency) + ', ' + when(r.startedAt);
      var body = $('<div>');
      $('<p>')
        .text(t('confirm.' + VERDICT_KEYS[verdict] + '.question', { what: what }))
        .appendTo(body);
      $('<div class="ssi-ecr-confirm-facts">').append(recordFacts(r)).appendTo(body);
      $('<p>')
        .text(t('confirm.' + VERDICT_KEYS[verdict] + '.effect'))
        .appendTo(body);
      var note = RED.notify(body, {
        modal: true,
        fixed: true,
        type: 'warning',
        buttons: [
          {
            text: t('confirm.cancel'),
            class: 'ssi-ecr-confirm-cancel',
            click: function () {
              note.close();
            },
          },
          {
            text: t('confirm.ok.' + VERDICT_KEYS[verdict]),
            class: 'primary ssi-ecr-confirm-ok',
            click: function () {
              note.close();
              settle(term, r, verdict, what);
            },
          },
        ],
      });
    }

    function settle(term, r, verdict, what) {
      $.ajax({
        url: 'ssi-ecr/journal/' + encodeURIComponent(term.id) + '/resolve/' + encodeURIComponent(r.id),
        method: 'POST',
        contentType: 'application/json',
        data: JSON.stringify(verdict === 'checked' ? {} : { verdict: verdict }),
        dataType: 'json',
      })
        .done(function () {
          RED.notify(t('settled', { what: what, verdict: t('verdict.' + VERDICT_KEYS[verdict]) }), { type: 'success', timeout: 4000 });
        })
        .fail(function (xhr) {
          var body = xhr.responseJSON || {};
          var error =
            typeof body.error === 'string'
              ? body.error
              : body.error && body.error.message
                ? body.error.message
                : xhr.status + ' ' + (xhr.statusText || '');
          RED.notify(t('settleError', { what: what, error: error }), { type: 'error', timeout: 8000 });
        })
        .always(refresh);
    }

    function recordRow(term, r, canSettle) {
      var row = $('<div class="ssi-ecr-record">').attr('data-record', r.id);
      $('<div class="ssi-ecr-record-title">')
        .text(whatOf(r.method, r.amount, r.currency) + ' · ' + t('record.started', { time: when(r.startedAt) }))
        .appendTo(row);
      row.append(recordFacts(r));
      if (r.settle === 'none') {
        fact(t('record.notNow')).appendTo(row);
      } else if (canSettle) {
        var buttons = $('<div class="ssi-ecr-buttons">').appendTo(row);
        var verdicts = r.settle === 'verdict' ? ['approved', 'not-performed'] : ['checked'];
        verdicts.forEach(function (verdict) {
          var icon = verdict === 'approved' ? 'fa-check' : verdict === 'not-performed' ? 'fa-times' : 'fa-eye';
          $('<button type="button" class="red-ui-button red-ui-button-small">')
            .addClass('ssi-ecr-settle-' + verdict)
            .append($('<i class="fa">').addClass(icon))
            .append(' ')
            .append($('<span>').text(t('button.' + VERDICT_KEYS[verdict])))
            .on('click', function () {
              confirmSettle(term, r, verdict);
            })
            .appendTo(buttons);
        });
      }
      return row;
    }

    function outcomeRow(o) {
      var ok = o.outcome === 'approved' || o.outcome === 'done';
      var unknown = o.outcome === 'error' && o.sent !== false && o.code === 'OUTCOME_UNKNOWN';
      var row = $('<li class="ssi-ecr-outcome">').attr('data-outcome', o.outcome);
      $('<span class="ssi-ecr-mark">')
        .addClass(ok ? 'ssi-ecr-mark-ok' : unknown ? 'ssi-ecr-mark-unknown' : 'ssi-ecr-mark-no')
        .text(ok ? '✔' : unknown ? '?' : '✘')
        .appendTo(row);
      // An operation without an outcome is told by its reason alone (outcome unknown, terminal not reachable).
      var reason = o.reason && !ok ? tt('reason.' + o.reason, o.reason) : '';
      var said = o.outcome === 'error' && reason ? reason : t('outcomes.' + o.outcome) + (reason ? ': ' + reason : '');
      var main = when(o.at) + ' ' + whatOf(o.method, o.amount, o.currency) + ' · ' + said;
      $('<span class="ssi-ecr-outcome-main">').text(main).appendTo(row);
      var detail = [];
      if (o.pan) detail.push(o.pan);
      if (o.rrn) detail.push(t('record.rrn', { rrn: o.rrn }));
      if (o.authCode) detail.push(t('outcomes.authCode', { code: o.authCode }));
      if (o.ref) detail.push(t('record.ref', { ref: o.ref }));
      if (o.code && !ok) detail.push(o.code);
      if (o.outcome === 'error' && o.sent === false) detail.push(t('outcomes.notSent'));
      if (o.byHand)
        detail.push(
          o.byHand.by
            ? t('outcomes.byHandBy', { by: o.byHand.by, verdict: t('verdict.' + VERDICT_KEYS[o.byHand.verdict]) })
            : t('outcomes.byHand', { verdict: t('verdict.' + VERDICT_KEYS[o.byHand.verdict]) }),
        );
      else if (o.recovered) detail.push(t('outcomes.recovered'));
      var line = $('<div class="ssi-ecr-outcome-detail">').text(detail.join(' · '));
      if (o.node) line.append(detail.length ? ' · ' : '').append(nodeLink(o.node));
      if (detail.length || o.node) line.appendTo(row);
      return row;
    }

    /** The terminal's name, where it is, its state in words and its firmware. */
    function terminalHead(term) {
      var head = $('<div class="ssi-ecr-terminal-head">');
      var status = statusOf(term);
      var title = $('<div>').appendTo(head);
      $('<span class="ssi-ecr-dot">')
        .addClass('ssi-ecr-dot-' + status.fill)
        .appendTo(title);
      $('<span class="ssi-ecr-terminal-name">')
        .text(term.name || t('unnamed', { id: term.id }))
        .appendTo(title);
      if (term.where)
        $('<span class="ssi-ecr-where">')
          .text(term.transport + ' ' + term.where)
          .appendTo(title);
      $('<div class="ssi-ecr-line ssi-ecr-status">').text(status.text).appendTo(head);
      if (!term.configError) $('<div class="ssi-ecr-line ssi-ecr-firmware">').text(firmwareText(term.firmware)).appendTo(head);
      if (term.journal) $('<div class="ssi-ecr-line ssi-ecr-error">').text(term.journal).appendTo(head);
      return head;
    }

    /** The operations whose outcome nobody could establish, with buttons to settle them for whoever may. */
    function unresolvedSection(term, canSettle) {
      var open = $('<div class="ssi-ecr-section ssi-ecr-unresolved">');
      $('<div class="ssi-ecr-section-title">')
        .text(t('unresolved.title', { count: term.unresolved.length }))
        .appendTo(open);
      if (term.unresolved.length === 0) $('<div class="ssi-ecr-note">').text(t('unresolved.none')).appendTo(open);
      else {
        if (
          !canSettle &&
          term.unresolved.some(function (r) {
            return r.settle !== 'none';
          })
        )
          $('<div class="ssi-ecr-note">').text(t('readOnly')).appendTo(open);
        term.unresolved.forEach(function (r) {
          open.append(recordRow(term, r, canSettle));
        });
      }
      return open;
    }

    function lastOutcomesSection(term) {
      var last = $('<div class="ssi-ecr-section ssi-ecr-last">');
      $('<div class="ssi-ecr-section-title">').text(t('outcomes.title')).appendTo(last);
      if (term.outcomes.length === 0) $('<div class="ssi-ecr-note">').text(t('outcomes.none')).appendTo(last);
      else {
        var list = $('<ul class="ssi-ecr-outcomes">').appendTo(last);
        term.outcomes.forEach(function (o) {
          list.append(outcomeRow(o));
        });
      }
      return last;
    }

    function terminalCard(term, canSettle) {
      return $('<div class="ssi-ecr-terminal">')
        .attr('data-id', term.id)
        .append(terminalHead(term))
        .append(unresolvedSection(term, canSettle))
        .append(lastOutcomesSection(term));
    }

    var content;
    var body;
    var loading = null;
    var again = false;
    var timer = null;

    function render(terminals) {
      var canSettle = RED.user.hasPermission('ssi-terminal.write');
      body.empty();
      if (terminals.length === 0) $('<div class="ssi-ecr-note ssi-ecr-empty">').text(t('none')).appendTo(body);
      terminals.forEach(function (term) {
        body.append(terminalCard(term, canSettle));
      });
    }

    /** Reads the terminals again; one request at a time, and one more if something changed meanwhile. */
    function refresh() {
      if (loading) {
        again = true;
        return;
      }
      loading = $.ajax({ url: 'ssi-ecr/terminals', dataType: 'json', cache: false })
        .done(function (data) {
          render((data && data.terminals) || []);
        })
        .fail(function (xhr) {
          body.empty();
          $('<div class="ssi-ecr-error">')
            .text(t('loadError', { error: xhr.status + ' ' + (xhr.statusText || '') }))
            .appendTo(body);
        })
        .always(function () {
          loading = null;
          if (again) {
            again = false;
            refresh();
          }
        });
    }

    /** A change in the runtime: read again soon if the tab is in view, else when it is shown. */
    function changed() {
      if (!content.is(':visible')) return;
      clearTimeout(timer);
      timer = setTimeout(refresh, 100);
    }

    /** The tab's content: a button to read again, over the terminals' cards ("loading" until they are read). */
    function makeContent() {
      content = $('<div class="ssi-ecr-sidebar">');
      var header = $('<div class="red-ui-sidebar-header">').appendTo(content);
      $('<button type="button" class="red-ui-sidebar-header-button ssi-ecr-refresh">')
        .attr('title', t('refresh'))
        .append($('<i class="fa fa-refresh">'))
        .on('click', refresh)
        .appendTo(header);
      body = $('<div class="ssi-ecr-sidebar-body">').appendTo(content);
      $('<div class="ssi-ecr-note">').text(t('loading')).appendTo(body);
      return content;
    }

    return { t: t, content: makeContent, refresh: refresh, changed: changed };
  })();
