/*
 * The editor code the @ssi-ecr/node-red nodes share. Node-RED serves this file from the module's resources/
 * folder at resources/@ssi-ecr/node-red/editor.js; every node's HTML loads it, with that relative URL, before
 * its own script, which finds it as window.SsiEcrEditor. Plain ES5 for the browser, no build step; loading it
 * more than once keeps the first copy. It touches neither the DOM nor jQuery while it loads.
 *
 * No message key lives here: each helper takes the keys (with the namespace where Node-RED needs one) of the
 * node that calls it, so every text stays in that node's own catalogue.
 *
 * Each node still writes its definition out in full, as an object literal in its RED.nodes.registerType call:
 * category, color, icon, inputs, outputs and the name of every setting in defaults (a setting's value may come
 * from here). The flow library reads definitions as written: node-red-dev validate parses the HTML without
 * running it, and skips ("Unable to parse") a type whose definition a helper returns, checking nothing about it.
 */
window.SsiEcrEditor = window.SsiEcrEditor || (function () {
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
            var ok = isNumber.call(this, text, opt) === true && (rule.whole ? /^\d+$/.test(text) : isFinite(n)) &&
                (rule.min === undefined || n >= rule.min) && (rule.max === undefined || n <= rule.max);
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
            busy: { value: 'queue', validate: function (v) { return v === undefined || v === 'queue' || v === 'refuse'; } },
            receipt: { value: false }
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
            var found = select.find('option').filter(function () { return this.value === value; });
            if (found.length === 0) $('<option>').val(value).text(value).insertBefore(select.find('option[value="msg"]'));
        }
        function describe(spec) {
            $('<div>').text(spec.doc && spec.doc[lang] ? spec.doc[lang] : '').appendTo(hint);
            if (o.details) $('<div style="margin-top:4px;">').text(o.details(spec)).appendTo(hint);
            var params = Object.keys(spec.params || {});
            var line = $('<div style="margin-top:4px;">').appendTo(hint);
            if (params.length === 0 && o.noParams) {
                line.text(node._(o.noParams));
                return;
            }
            $('<span>').text(node._(o.hints + 'params') + ' ').appendTo(line);
            params.forEach(function (key, i) {
                if (i > 0) $('<span>').text(', ').appendTo(line);
                var code = $('<code>').text(key).appendTo(line);
                var doc = keys[key] && keys[key].doc ? keys[key].doc[lang] : '';
                if (doc) code.attr('title', doc);
                if (spec.params[key] === 'O') $('<span style="opacity:0.7;">').text(' (' + node._(o.hints + 'optional') + ')').appendTo(line);
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

    return {
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
        methodPicker: methodPicker
    };
})();
