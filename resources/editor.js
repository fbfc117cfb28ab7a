/*
 * The editor code the @ssi-ecr/node-red nodes share. Node-RED serves this file from the module's resources/
 * folder at resources/@ssi-ecr/node-red/editor.js; every node's HTML loads it, with that relative URL, before
 * its own script, which finds it as window.SsiEcrEditor. Plain ES5 for the browser, no build step; loading it
 * more than once keeps the first copy. It touches neither the DOM nor jQuery while it loads.
 *
 * The shared helpers name no message key: each takes the keys (with the namespace where Node-RED needs one) of
 * the node that calls it, so every text stays in that node's own catalogue. Each node's dialog (what its
 * oneditprepare does, at the end of this file: terminalDialog, purchaseDialog, …) names its own node's keys, which
 * test/editor.test.js checks against that node's catalogues.
 *
 * Each node still writes its definition out in full, as an object literal in its RED.nodes.registerType call:
 * category, color, icon, inputs, outputs and the name of every setting in defaults (a setting's value may come
 * from here). The flow library reads definitions as written: node-red-dev validate parses the HTML without
 * running it, and skips ("Unable to parse") a type whose definition a helper returns, checking nothing about it.
 */
window.SsiEcrEditor =
  window.SsiEcrEditor ||
  (function () {
    'use strict';

    /** TypedInput types of a text setting that may also come from the message, a context or the environment. */
    var TEXT_TYPES = ['str', 'msg', 'flow', 'global', 'env'];

    /** The message keys, after its stem, that methodPicker reads (e.g. 'ssi-command.hint.' + 'msg'). */
    var PICKER_HINTS = ['msg', 'unknown', 'noCatalogue', 'params', 'optional'];

    /** A setting's value as text ('' for undefined and null). */
    function textOf(v) {
      return v === undefined || v === null ? '' : String(v);
    }

    /** A validator's answer for a bad value: the message (a full 'namespace:key') when Node-RED asks for one. */
    function invalid(opt, key, values) {
      return opt ? RED._(key, values) : false;
    }

    // ---- settings (the definition's defaults) and their validators ----

    /** The TypedInput type in the open form, or the saved one. */
    function typeOf(node, field) {
      var input = $('#node-input-' + field + 'Type');
      return input.length && input.val() ? input.val() : node[field + 'Type'];
    }

    /**
     * A validator for a TypedInput setting: empty is allowed (the next source is used); otherwise the value must
     * suit its type, and a fixed string must pass check(text, opt) when there is one.
     */
    function typedValue(field, check) {
      return function (v, opt) {
        var type = typeOf(this, field);
        var text = textOf(v);
        if (text === '') return true;
        if (type === 'msg' || type === 'flow' || type === 'global') {
          return RED.utils.validatePropertyExpression(type === 'msg' ? text : text.replace(/^#:\([^)]*\)::/, ''), opt);
        }
        if (type === 'num') return RED.validators.number()(text, opt);
        return type === 'str' && check ? check(text.trim(), opt) : true;
      };
    }

    /** A check for typedValue: the text matches re, else the message key (a full 'namespace:key'). */
    function matching(re, key) {
      return function (text, opt) {
        return re.test(text) || invalid(opt, key);
      };
    }

    /**
     * A validator for a number setting, as the runtime checks it: blank allowed when rule.optional; a whole
     * number (digits only) when rule.whole; from rule.min to rule.max when given. The message key gets __min__
     * and __max__.
     */
    function numberSetting(key, rule) {
      var isNumber = RED.validators.number(!!rule.optional);
      return function (v, opt) {
        // Missing from a flow written by hand or by a tool: the runtime applies the default.
        if (v === undefined) return true;
        var text = textOf(v).trim();
        if (rule.optional && text === '') return true;
        var n = Number(text);
        var ok =
          isNumber.call(this, text, opt) === true &&
          (rule.whole ? /^\d+$/.test(text) : isFinite(n)) &&
          (rule.min === undefined || n >= rule.min) &&
          (rule.max === undefined || n <= rule.max);
        return ok || invalid(opt, key, { min: rule.min, max: rule.max });
      };
    }

    /**
     * A setting that takes one of `values`; missing from a flow written by hand or by a tool, the runtime applies
     * the default, so the editor does not mark the node invalid either.
     */
    function oneOf(values) {
      return function (v) {
        return v === undefined || values.indexOf(v) >= 0;
      };
    }

    /** A method name, or none in a flow written by hand: the node's default method applies. */
    function methodName(v) {
      return v === undefined || /^[A-Za-z]+$/.test(v);
    }

    /**
     * The settings of a payment node: units (amounts in minor or major units), then merchantId and currency,
     * TypedInputs that are fixed strings by default; a fixed currency must be three digits, else currencyKey.
     * The node names each of them in its own defaults (units: payment.units, ...).
     */
    function paymentSettings(currencyKey) {
      return {
        units: { value: 'minor', validate: oneOf(['minor', 'major']) },
        merchantId: { value: '', validate: typedValue('merchantId') },
        merchantIdType: { value: 'str' },
        currency: { value: '', validate: typedValue('currency', matching(/^\d{3}$/, currencyKey)) },
        currencyType: { value: 'str' },
        // A kiosk refuses a payment at once (BUSY) rather than let the customer wait for another's.
        // Nodes saved before the setting existed have none: they wait in the queue, as before.
        busy: {
          value: 'queue',
          validate: function (v) {
            return v === undefined || v === 'queue' || v === 'refuse';
          },
        },
        receipt: { value: false },
      };
    }

    // ---- labels ----

    /** A label function that shows one message key of the node. */
    function text(key) {
      return function () {
        return this._(key);
      };
    }

    /** The node's name, else the message key. */
    function nameOr(key) {
      return function () {
        return this.name || this._(key);
      };
    }

    /** The node's name, else stem + the value of its setting field (fallback when unset), else paletteKey. */
    function nameOrChoice(field, fallback, stem, paletteKey) {
      return function () {
        if (this.name) return this.name;
        var key = stem + (this[field] || fallback);
        var label = this._(key);
        return label === key ? this._(paletteKey) : label;
      };
    }

    /**
     * The node's name, else its fixed method (through methodKey, a message key with __method__, when given), else
     * paletteKey (when the method comes with the message).
     */
    function nameOrMethod(paletteKey, methodKey) {
      return function () {
        if (this.name) return this.name;
        if (!this.method || this.method === 'msg') return this._(paletteKey);
        return methodKey ? this._(methodKey, { method: this.method }) : this.method;
      };
    }

    /** Output labels of a node with two outputs: the first key for output 1, the second for output 2. */
    function portLabels(first, second) {
      return function (i) {
        return this._(i === 0 ? first : second);
      };
    }

    /** Italic when the node has a name. */
    function italicWhenNamed() {
      return this.name ? 'node_label_italic' : '';
    }

    // ---- the edit dialog ----

    /** Makes #node-input-<field> a TypedInput (default type, types: TEXT_TYPES unless given) typed by <field>Type. */
    function typedInput(field, type, types) {
      $('#node-input-' + field).typedInput({ default: type, types: types || TEXT_TYPES, typeField: '#node-input-' + field + 'Type' });
    }

    /** The TypedInputs of paymentSettings: merchantId and currency. */
    function paymentInputs() {
      typedInput('merchantId', 'str');
      typedInput('currency', 'str');
    }

    /** Runs show now and whenever the form field (a selector or a jQuery object) changes. */
    function whenChanged(field, show) {
      $(field).on('change', show);
      show();
    }

    /**
     * The method <select> of a node, filled from the catalogue the runtime serves (GET ssi-ecr/catalogue), with a
     * hint under it: the method's doc, an optional line of details and its params. The saved method stays
     * selectable before (or without) the catalogue; the option 'msg' (method from the message) stays last.
     *   o.select, o.hint   the <select> and the element that shows the hint (selectors or jQuery objects)
     *   o.fallback         selected when the node has no method yet
     *   o.language         the node's key naming the catalogue's language ('uk', else English)
     *   o.hints            the node's key stem of the hint texts (PICKER_HINTS), e.g. 'ssi-command.hint.'
     *   o.noParams         the node's key said when a method takes no params (else the params line is empty)
     *   o.offer(m)         which catalogue methods to list (all when absent)
     *   o.groups(list)     [{ label, methods }] to list them in <optgroup>s (one flat list when absent)
     *   o.optionText(name, title)  the text of a method's option
     *   o.details(spec)    the text of a line between the doc and the params (none when absent)
     *   o.shown(spec)      called after each hint; spec is the chosen method's, undefined when not known
     */
    function methodPicker(node, o) {
      var select = $(o.select);
      var hint = $(o.hint);
      var lang = node._(o.language) === 'uk' ? 'uk' : 'en';
      var methods = null;
      var keys = {};

      /** Makes sure the saved method can be shown even before (or without) the catalogue. */
      function ensureOption(value) {
        if (!value) return;
        var found = select.find('option').filter(function () {
          return this.value === value;
        });
        if (found.length === 0) $('<option>').val(value).text(value).insertBefore(select.find('option[value="msg"]'));
      }
      function describe(spec) {
        $('<div>')
          .text(spec.doc && spec.doc[lang] ? spec.doc[lang] : '')
          .appendTo(hint);
        if (o.details) $('<div style="margin-top:4px;">').text(o.details(spec)).appendTo(hint);
        var params = Object.keys(spec.params || {});
        var line = $('<div style="margin-top:4px;">').appendTo(hint);
        if (params.length === 0 && o.noParams) {
          line.text(node._(o.noParams));
          return;
        }
        $('<span>')
          .text(node._(o.hints + 'params') + ' ')
          .appendTo(line);
        params.forEach(function (key, i) {
          if (i > 0) $('<span>').text(', ').appendTo(line);
          var code = $('<code>').text(key).appendTo(line);
          var doc = keys[key] && keys[key].doc ? keys[key].doc[lang] : '';
          if (doc) code.attr('title', doc);
          if (spec.params[key] === 'O')
            $('<span style="opacity:0.7;">')
              .text(' (' + node._(o.hints + 'optional') + ')')
              .appendTo(line);
        });
      }
      function show() {
        var name = select.val();
        var spec = methods && methods[name];
        hint.empty();
        if (name === 'msg') hint.html(node._(o.hints + 'msg'));
        else if (spec) describe(spec);
        else if (methods) hint.text(node._(o.hints + 'unknown', { method: name }));
        if (o.shown) o.shown(spec || undefined);
      }
      function fill(catalogue, list) {
        var current = select.val();
        methods = {};
        keys = catalogue.keys || {};
        select.find('option').not('[value="msg"]').remove();
        select.find('optgroup').remove();
        var msgOption = select.find('option[value="msg"]');
        (o.groups ? o.groups(list) : [{ methods: list }]).forEach(function (group) {
          var optgroup = o.groups ? $('<optgroup>').attr('label', group.label).insertBefore(msgOption) : null;
          group.methods.forEach(function (m) {
            methods[m.name] = m;
            var title = m.title && m.title[lang] ? m.title[lang] : m.name;
            var option = $('<option>').val(m.name).text(o.optionText(m.name, title));
            if (optgroup) option.appendTo(optgroup);
            else option.insertBefore(msgOption);
          });
        });
        ensureOption(current);
        select.val(current);
        show();
      }

      ensureOption(node.method);
      select.val(node.method || o.fallback);
      whenChanged(select, show);

      $.ajax({ url: 'ssi-ecr/catalogue', type: 'GET', dataType: 'json', cache: false, timeout: 15000 })
        .done(function (catalogue) {
          var list = catalogue && Array.isArray(catalogue.methods) ? catalogue.methods : [];
          if (o.offer) list = list.filter(o.offer);
          if (list.length > 0) fill(catalogue, list);
        })
        .fail(function () {
          hint.text(node._(o.hints + 'noCatalogue'));
        });
    }
    methodPicker.hints = PICKER_HINTS;

    // ---- each node's dialog: what its oneditprepare does, by name ----

    /**
     * ssi-terminal's dialog: the rows of the chosen transport, the Advanced section, the serial port list and Test
     * connection. prepare(node) is its oneditprepare, close() its oneditsave and oneditcancel (it closes the port
     * menu); transportOf(node) is the transport in the open dialog, else the saved one (the settings' rules ask).
     */
    var terminalDialog = (function () {
      /** The settings of the advanced section, collapsed unless one of them is not its default. */
      var ADVANCED = [
        'polling',
        'pollInterval',
        'requestTimeout',
        'minRequestGap',
        'connectTimeout',
        'overallTimeout',
        'unackedGrace',
        'lrcEncoding',
      ];
      /** The settings a connection test is made with: another value makes its result stale. */
      var CONNECTION = ['transport', 'host', 'port', 'httpPort', 'httpPath', 'serialPort', 'baudRate', 'protocol'];
      /** The serial port menu, while it is open. */
      var portMenu = null;

      function close() {
        var menu = portMenu;
        portMenu = null;
        if (menu) menu.hide(true);
      }

      function transportOf(node) {
        var select = $('#node-config-input-transport');
        return select.length ? select.val() : node.transport;
      }

      /** The value of a setting in the open dialog, trimmed ('' when empty). */
      function field(name) {
        return String($('#node-config-input-' + name).val() || '').trim();
      }

      function clearTest() {
        $('.ssi-terminal-test-row').hide().find('.ssi-terminal-test-result').empty();
        $('.ssi-terminal-merchants-row').hide().find('.ssi-terminal-merchants').empty();
      }

      /** Beside an empty HTTP port, the one used: the TCP port + 1. */
      function showEffectiveHttpPort(node) {
        var port = Number($('#node-config-input-port').val()) || 3000;
        var own = $('#node-config-input-httpPort').val().trim();
        $('.ssi-terminal-http-effective').text(own === '' ? node._('ssi-terminal.hint.httpPort', { port: port + 1 }) : '');
      }

      function showTransport(node) {
        var t = $('#node-config-input-transport').val();
        $('.ssi-terminal-net').toggle(t !== 'serial');
        $('.ssi-terminal-http').toggle(t === 'http');
        $('.ssi-terminal-serial').toggle(t === 'serial');
        if (t !== 'serial') $('.ssi-terminal-ports-note').hide();
        // The host and serial port rules depend on the transport: check them again.
        $('#node-config-input-host, #node-config-input-serialPort').trigger('change');
        showEffectiveHttpPort(node);
      }

      /** Advanced (polling and timeouts): collapsed, unless a value there is not the default (then it is shown). */
      function advancedSection(node) {
        var advanced = $('.ssi-terminal-advanced');
        var toggle = $('#node-config-ssi-terminal-advanced-toggle');
        function show(open) {
          advanced.toggle(open);
          toggle.find('i').toggleClass('fa-caret-right', !open).toggleClass('fa-caret-down', open);
        }
        toggle.on('click', function (e) {
          e.preventDefault();
          show(!advanced.is(':visible'));
        });
        var defaults = (node._def && node._def.defaults) || {};
        show(
          ADVANCED.some(function (key) {
            var value = node[key];
            return value !== undefined && defaults[key] !== undefined && String(value) !== String(defaults[key].value);
          }),
        );
      }

      /** The line under the serial port field ('' hides it). */
      function portsNote(text) {
        $('.ssi-terminal-ports-text').text(text);
        $('.ssi-terminal-ports-note').toggle(!!text);
      }

      /** A menu of the ports under the serial port field; picking one fills the field. */
      function openPortMenu(ports) {
        if (!RED.popover || !RED.popover.menu) return;
        var input = $('#node-config-input-serialPort');
        close();
        portMenu = RED.popover.menu({
          style: 'compact',
          options: ports.map(function (p) {
            var label = $('<span>').text(p.path);
            if (p.manufacturer) $('<span style="opacity:0.7; margin-left:8px;">').text(p.manufacturer).appendTo(label);
            return { label: label, value: p.path };
          }),
          onselect: function (item) {
            input.val(item.value).trigger('change');
          },
          onclose: function () {
            portMenu = null;
          },
        });
        portMenu.show({ target: input, align: 'right' });
      }

      /** What the runtime answered to GET ssi-ecr/serial-ports: the ports in the field's list and its menu. */
      function showPorts(node, data) {
        var ports = Array.isArray(data) ? data : data && Array.isArray(data.ports) ? data.ports : [];
        var list = $('#node-config-ssi-terminal-ports').empty();
        ports.forEach(function (p) {
          $('<option>')
            .attr('value', p.path)
            .text(p.manufacturer ? p.path + ' — ' + p.manufacturer : p.path)
            .appendTo(list);
        });
        if (data && !Array.isArray(data) && data.error) {
          portsNote(node._('ssi-terminal.ports.error', { error: data.error }));
        } else if (ports.length === 0) {
          portsNote(node._('ssi-terminal.ports.none'));
        } else {
          portsNote(node._('ssi-terminal.ports.found', { count: ports.length }));
          openPortMenu(ports);
        }
      }

      /** The serial port button: the ports the Node-RED host sees. */
      function listPorts(node, button) {
        var icon = button.find('i').removeClass('fa-search').addClass('fa-spinner fa-spin');
        button.prop('disabled', true);
        portsNote(node._('ssi-terminal.ports.searching'));
        $.ajax({ url: 'ssi-ecr/serial-ports', type: 'GET', dataType: 'json', cache: false, timeout: 15000 })
          .done(function (data) {
            showPorts(node, data);
          })
          .fail(function (xhr, status) {
            portsNote(node._('ssi-terminal.ports.error', { error: xhr.status ? xhr.status + ' ' + (xhr.statusText || '') : status }));
          })
          .always(function () {
            icon.removeClass('fa-spinner fa-spin').addClass('fa-search');
            button.prop('disabled', false);
          });
      }

      /** Payments need a merchant id: the terminal's own, one click each to use it. */
      function showMerchants(node, list) {
        if (list.length === 0) return;
        var row = $('.ssi-terminal-merchants-row');
        var out = row.find('.ssi-terminal-merchants');
        var input = $('#node-config-input-merchantId');
        var key = input.val().trim() === '' ? 'ssi-terminal.test.merchantsPick' : 'ssi-terminal.test.merchants';
        $('<span>')
          .text(node._(key, { count: list.length }) + ' ')
          .appendTo(out);
        list.forEach(function (id, i) {
          if (i > 0) $('<span>').text(', ').appendTo(out);
          $('<a href="#" class="ssi-terminal-merchant">')
            .text(id)
            .on('click', function (e) {
              e.preventDefault();
              input.val(id).trigger('change');
            })
            .appendTo(out);
        });
        row.show();
      }

      /** A test's verdict in out: a tick or a cross, and the text. */
      function verdict(out, ok, text) {
        out.empty();
        $(ok ? '<i class="fa fa-check" style="color:#4a4;"></i>' : '<i class="fa fa-times" style="color:#c33;"></i>').appendTo(out);
        $('<span style="margin-left:6px;">').text(text).appendTo(out);
      }

      /** The runtime's answer to POST ssi-ecr/test-connection, in words. */
      function showTestResult(node, out, r) {
        if (!r || !r.ok) {
          var err = (r && r.error) || {};
          verdict(out, false, err.message || node._('ssi-terminal.test.failed', { error: err.code || '?' }));
          return;
        }
        var info = r.info && typeof r.info === 'object' && !r.info.error ? r.info : {};
        var model = info.terminalModel || info.model || '';
        var serial = info.terminalSerialNumber || info.pos_sn || '';
        var statusText = node._('ssi-terminal.status.' + r.status);
        if (statusText === 'ssi-terminal.status.' + r.status) statusText = node._('ssi-terminal.test.unknownStatus');
        var text = node._('ssi-terminal.test.ok', { ms: r.ms, status: r.status, text: statusText });
        var device = [model, serial].filter(Boolean).join(' ');
        if (device) text += ', ' + device;
        if (r.firmware === '1.1') text += ', ' + node._('ssi-terminal.test.firmware11');
        else if (r.firmware === '1.4') text += ', ' + node._('ssi-terminal.test.firmware14');
        verdict(out, true, text);
        showMerchants(node, Array.isArray(r.merchants) ? r.merchants : []);
      }

      /** Test connection: with the settings in the dialog, not the deployed ones. */
      function testConnection(node, button) {
        var out = $('.ssi-terminal-test-row').show().find('.ssi-terminal-test-result').empty();
        $('.ssi-terminal-merchants-row').hide().find('.ssi-terminal-merchants').empty();
        var body = { id: node.id };
        CONNECTION.forEach(function (name) {
          body[name] = field(name);
        });
        $('<i class="fa fa-spinner fa-spin"></i>').appendTo(out);
        $('<span style="margin-left:6px;">').text(node._('ssi-terminal.test.running')).appendTo(out);
        button.prop('disabled', true);
        $.ajax({
          url: 'ssi-ecr/test-connection',
          type: 'POST',
          contentType: 'application/json',
          data: JSON.stringify(body),
          dataType: 'json',
          timeout: 60000,
        })
          .done(function (r) {
            showTestResult(node, out, r);
          })
          .fail(function (xhr, status) {
            verdict(out, false, node._('ssi-terminal.test.failed', { error: xhr.status ? xhr.status + ' ' + (xhr.statusText || '') : status }));
          })
          .always(function () {
            button.prop('disabled', false);
          });
      }

      function prepare(node) {
        portMenu = null;
        // Saved before the setting existed: the runtime contacts the terminal at deploy, so the box says so.
        if (node.probeAtDeploy === undefined) $('#node-config-input-probeAtDeploy').prop('checked', true);
        $('#node-config-input-transport').on('change', function () {
          close();
          showTransport(node);
        });
        // A test result belongs to the settings it was made with: another transport, host or port clears it, and
        // the terminal's merchants it listed with it.
        $(
          CONNECTION.map(function (name) {
            return '#node-config-input-' + name;
          }).join(', '),
        ).on('change keyup', clearTest);
        advancedSection(node);
        $('#node-config-input-port, #node-config-input-httpPort').on('change keyup', function () {
          showEffectiveHttpPort(node);
        });
        showTransport(node);
        $('#node-config-ssi-terminal-list-ports').on('click', function () {
          listPorts(node, $(this));
        });
        $('#node-config-ssi-terminal-test').on('click', function () {
          testConnection(node, $(this));
        });
      }

      return { prepare: prepare, close: close, transportOf: transportOf };
    })();

    /** TypedInput types of ssi-purchase's discounted amount. */
    var AMOUNT_TYPES = ['msg', 'flow', 'global', 'num', 'str', 'env'];

    /** ssi-purchase: price by card adds the third output; turned off, Node-RED drops the wires of that output. */
    function purchaseDialog() {
      paymentInputs();
      typedInput('discountedAmount', 'msg', AMOUNT_TYPES);
      whenChanged('#node-input-priceByCard', function () {
        var on = $('#node-input-priceByCard').prop('checked') === true;
        $('.ssi-purchase-card-read').toggle(on);
        $('#node-input-outputs').val(on ? 3 : 2);
      });
    }

    /** ssi-refund: Void takes no amount; only Refund names a merchant and a currency. */
    function refundDialog(node) {
      var operation = $('#node-input-operation');
      paymentInputs();
      whenChanged(operation, function () {
        var op = operation.val() || 'Refund';
        $('.ssi-refund-amount').toggle(op !== 'Void');
        $('.ssi-refund-merchant').toggle(op === 'Refund' || op === 'msg');
        $('.ssi-refund-needs').html(node._('ssi-refund.needs.' + op));
      });
    }

    /** The amount keys of the financial methods: a method with one of them shows the units setting. */
    var AMOUNT_KEYS = ['transAmount', 'discountedAmount', 'cashAmount', 'endAmount'];

    /**
     * ssi-transaction: the financial methods of the catalogue, and the settings the chosen one takes (all of them
     * when the method comes with the message). The picker is called through the exported object, where a test
     * may stand in for it.
     */
    function transactionDialog(node) {
      paymentInputs();
      api.methodPicker(node, {
        select: '#node-input-method',
        hint: '.ssi-transaction-hint',
        fallback: 'Purchase',
        language: 'ssi-transaction.catalogueLanguage',
        hints: 'ssi-transaction.hint.',
        offer: function (m) {
          return m.group === 'financial';
        },
        optionText: function (name, title) {
          return title === name ? name : title + ' (' + name + ')';
        },
        shown: function (spec) {
          var params = spec ? Object.keys(spec.params || {}) : null;
          var all = !params;
          $('.ssi-transaction-units').toggle(
            all ||
              params.some(function (k) {
                return AMOUNT_KEYS.indexOf(k) !== -1;
              }),
          );
          $('.ssi-transaction-merchantId').toggle(all || params.indexOf('merchantId') !== -1);
          $('.ssi-transaction-transCurrency').toggle(all || params.indexOf('transCurrency') !== -1);
        },
      });
    }

    /** ssi-report: what the chosen report does. */
    function reportDialog(node) {
      var report = $('#node-input-report');
      typedInput('merchantId', 'str');
      whenChanged(report, function () {
        $('.ssi-report-hint').html(node._('ssi-report.hint.' + (report.val() || 'XReport')));
      });
    }

    /** ssi-status: the interval counts only when watching. */
    function statusDialog() {
      var watch = $('#node-input-watch');
      whenChanged(watch, function () {
        var on = watch.prop('checked');
        $('#node-input-interval')
          .prop('disabled', !on)
          .css('opacity', on ? 1 : 0.5);
      });
    }

    /** ssi-print: the settings of the chosen mode (a PDF's URL, a receipt's font). */
    function printDialog() {
      var mode = $('#node-input-mode');
      typedInput('url', 'msg');
      whenChanged(mode, function () {
        var pdf = mode.val() === 'pdf';
        $('.ssi-print-pdf').toggle(pdf);
        $('.ssi-print-xml').toggle(!pdf);
      });
    }

    /** The method groups of ssi-command's list, in this order; any other group of the catalogue follows. */
    var GROUPS = ['financial', 'report', 'service', 'additional'];

    /** ssi-command: every method of the catalogue, by group, with how it runs (through the exported picker too). */
    function commandDialog(node) {
      api.methodPicker(node, {
        select: '#node-input-method',
        hint: '.ssi-command-hint',
        fallback: 'msg',
        language: 'ssi-command.catalogueLanguage',
        hints: 'ssi-command.hint.',
        noParams: 'ssi-command.hint.noParams',
        groups: function (list) {
          var groups = GROUPS.concat(
            list
              .map(function (m) {
                return m.group;
              })
              .filter(function (g, i, all) {
                return GROUPS.indexOf(g) === -1 && all.indexOf(g) === i;
              }),
          );
          return groups
            .map(function (group) {
              var label = node._('ssi-command.group.' + group);
              return {
                label: label === 'ssi-command.group.' + group ? group : label,
                methods: list.filter(function (m) {
                  return m.group === group;
                }),
              };
            })
            .filter(function (group) {
              return group.methods.length > 0;
            });
        },
        optionText: function (name, title) {
          return title === name ? name : name + ' — ' + title;
        },
        details: function (spec) {
          var how = spec.resultMethod ? node._('ssi-command.hint.polled', { result: spec.resultMethod }) : node._('ssi-command.hint.immediate');
          if (spec.whileBusy) how += ' ' + node._('ssi-command.hint.whileBusy');
          if (spec.androidOnly) how += ' ' + node._('ssi-command.hint.androidOnly');
          if (spec.since === '1.4') how += ' ' + node._('ssi-command.hint.later');
          return how;
        },
      });
    }

    var api = {
      TEXT_TYPES: TEXT_TYPES,
      textOf: textOf,
      invalid: invalid,
      typeOf: typeOf,
      typedValue: typedValue,
      matching: matching,
      numberSetting: numberSetting,
      oneOf: oneOf,
      methodName: methodName,
      paymentSettings: paymentSettings,
      text: text,
      nameOr: nameOr,
      nameOrChoice: nameOrChoice,
      nameOrMethod: nameOrMethod,
      portLabels: portLabels,
      italicWhenNamed: italicWhenNamed,
      typedInput: typedInput,
      paymentInputs: paymentInputs,
      whenChanged: whenChanged,
      methodPicker: methodPicker,
      terminalDialog: terminalDialog,
      purchaseDialog: purchaseDialog,
      refundDialog: refundDialog,
      transactionDialog: transactionDialog,
      reportDialog: reportDialog,
      statusDialog: statusDialog,
      printDialog: printDialog,
      commandDialog: commandDialog,
    };
    return api;
  })();
