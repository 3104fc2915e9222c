// The libraries of the generated JavaScript SDK (`apiGateway-js-sdk/lib/`), in the layout AWS's generated
// SDK has, written for this project: plain browser scripts that hang their factories on the global
// `apiGateway.core` namespace and use only what browsers and Node 20 both have (`fetch`, Web Crypto's
// `crypto.subtle`, `TextEncoder`). AWS's SDK bundles axios and CryptoJS for the same jobs; these replace them,
// so the archive holds no third-party code. Responses keep the shape of axios's (`{ status, statusText,
// headers, data }`, a rejected promise with `.response` for a non-2xx status), which code written for AWS's
// SDK reads.
//
// Each text is a String.raw template: no backticks or dollar-brace sequences inside.

const NAMESPACE = String.raw`var apiGateway = apiGateway || {};
apiGateway.core = apiGateway.core || {};
`

/** `lib/url-template/url-template.js`: `uritemplate('/pets/{petId}').expand({ petId: 'a b' })` → `/pets/a%20b`. */
export const URL_TEMPLATE_JS = String.raw`/*
 * Path templates of API Gateway resources: {name} expands to the percent-encoded value, {name+} (a greedy
 * path variable) to the value with each of its '/'-separated segments encoded.
 */
var uritemplate = (function () {
    function encode(value) {
        return encodeURIComponent(value).replace(/[!'()*]/g, function (c) {
            return '%' + c.charCodeAt(0).toString(16).toUpperCase();
        });
    }
    function expand(template, values) {
        return template.replace(/\{([^{}]+)\}/g, function (whole, label) {
            var greedy = label.charAt(label.length - 1) === '+';
            var name = greedy ? label.slice(0, -1) : label;
            var value = Object.prototype.hasOwnProperty.call(values, name) ? values[name] : undefined;
            if (value === undefined || value === null) return '';
            var text = String(value);
            return greedy ? text.split('/').map(encode).join('/') : encode(text);
        });
    }
    return function (template) {
        return {
            expand: function (values) {
                return expand(template, values || {});
            }
        };
    };
})();
`

/** `lib/apiGatewayCore/utils.js`: parameter checks and the request/response plumbing both HTTP clients share. */
export const UTILS_JS = NAMESPACE + String.raw`
apiGateway.core.utils = {
    assertDefined: function (object, name) {
        if (object === undefined || object === null) {
            throw new Error(name + ' must be defined');
        }
        return object;
    },
    /** Throws when a key of keys (not in ignore) has no value in params. */
    assertParametersDefined: function (params, keys, ignore) {
        if (keys === undefined || keys.length === 0) return;
        if (params === undefined || params === null) params = {};
        for (var i = 0; i < keys.length; i++) {
            if (!apiGateway.core.utils.contains(ignore, keys[i])) {
                apiGateway.core.utils.assertDefined(params[keys[i]], keys[i]);
            }
        }
    },
    /** The entries of params named by keys, those without a value left out. */
    parseParametersToObject: function (params, keys) {
        var object = {};
        if (params === undefined || params === null) return object;
        for (var i = 0; i < keys.length; i++) {
            var value = params[keys[i]];
            if (value !== undefined && value !== null) object[keys[i]] = value;
        }
        return object;
    },
    contains: function (list, value) {
        if (list === undefined || list === null) return false;
        for (var i = 0; i < list.length; i++) {
            if (list[i] === value) return true;
        }
        return false;
    },
    copy: function (obj) {
        var copy = {};
        if (obj === undefined || obj === null) return copy;
        for (var key in obj) {
            if (Object.prototype.hasOwnProperty.call(obj, key)) copy[key] = obj[key];
        }
        return copy;
    },
    mergeInto: function (baseObj, additionalProps) {
        var merged = apiGateway.core.utils.copy(baseObj);
        if (additionalProps === undefined || additionalProps === null) return merged;
        for (var key in additionalProps) {
            if (Object.prototype.hasOwnProperty.call(additionalProps, key)) merged[key] = additionalProps[key];
        }
        return merged;
    },
    /** RFC 3986 percent-encoding, as SigV4 wants it. */
    encode: function (value) {
        return encodeURIComponent(value).replace(/[!'()*]/g, function (c) {
            return '%' + c.charCodeAt(0).toString(16).toUpperCase();
        });
    },
    /** The query string of a map (values may be lists), sorted by encoded name then value; '' for none. */
    queryString: function (queryParams) {
        var encode = apiGateway.core.utils.encode;
        var pairs = [];
        for (var key in queryParams) {
            if (!Object.prototype.hasOwnProperty.call(queryParams, key)) continue;
            var values = Array.isArray(queryParams[key]) ? queryParams[key] : [queryParams[key]];
            for (var i = 0; i < values.length; i++) {
                if (values[i] === undefined || values[i] === null) continue;
                pairs.push([encode(key), encode(String(values[i]))]);
            }
        }
        pairs.sort(function (a, b) {
            return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
        });
        return pairs.map(function (p) { return p[0] + '=' + p[1]; }).join('&');
    },
    /** What both HTTP clients send: the verb, path, headers (with the default Content-Type and Accept), body and query string. */
    prepare: function (request, config) {
        var utils = apiGateway.core.utils;
        var headers = utils.copy(request.headers);
        var body = utils.bodyText(request.body);
        if (headers['Content-Type'] === undefined && body !== undefined) headers['Content-Type'] = config.defaultContentType;
        if (headers['Accept'] === undefined) headers['Accept'] = config.defaultAcceptType;
        return {
            verb: utils.assertDefined(request.verb, 'verb'),
            path: utils.assertDefined(request.path, 'path'),
            headers: headers,
            body: body,
            query: utils.queryString(request.queryParams || {})
        };
    },
    /** The body as it is sent: undefined for none, strings and binary as they are, anything else as JSON. */
    bodyText: function (body) {
        if (body === undefined || body === null || body === '') return undefined;
        if (typeof body === 'string') return body;
        if (typeof ArrayBuffer !== 'undefined' && (body instanceof ArrayBuffer || ArrayBuffer.isView(body))) return body;
        return JSON.stringify(body);
    },
    /**
     * Sends a request with fetch and resolves to an axios-shaped response ({ status, statusText, headers,
     * data, config }); a status outside 2xx rejects with an Error carrying that response as .response.
     */
    send: function (method, url, headers, body, config) {
        var init = { method: method, headers: headers };
        if (body !== undefined) init.body = body;
        return fetch(url, init).then(function (res) {
            return res.text().then(function (text) {
                var data = text;
                if (text !== '') {
                    try { data = JSON.parse(text); } catch (e) { data = text; }
                }
                var responseHeaders = {};
                res.headers.forEach(function (value, name) { responseHeaders[name] = value; });
                var response = { status: res.status, statusText: res.statusText, headers: responseHeaders, data: data, config: config };
                if (res.status >= 200 && res.status < 300) return response;
                var error = new Error('Request failed with status code ' + res.status);
                error.response = response;
                throw error;
            });
        });
    }
};
`

/** `lib/apiGatewayCore/simpleHttpClient.js`: unsigned requests. */
export const SIMPLE_HTTP_CLIENT_JS = NAMESPACE + String.raw`
apiGateway.core.simpleHttpClientFactory = {};
apiGateway.core.simpleHttpClientFactory.newClient = function (config) {
    var utils = apiGateway.core.utils;
    var simpleHttpClient = {};
    simpleHttpClient.endpoint = utils.assertDefined(config.endpoint, 'endpoint');
    simpleHttpClient.makeRequest = function (request) {
        var r = utils.prepare(request, config);
        var url = simpleHttpClient.endpoint + r.path + (r.query === '' ? '' : '?' + r.query);
        return utils.send(r.verb, url, r.headers, r.body, request);
    };
    return simpleHttpClient;
};
`

/** `lib/apiGatewayCore/sigV4Client.js`: requests signed with AWS Signature Version 4 through Web Crypto. */
export const SIGV4_CLIENT_JS = NAMESPACE + String.raw`
apiGateway.core.sigV4ClientFactory = {};
apiGateway.core.sigV4ClientFactory.newClient = function (config) {
    var utils = apiGateway.core.utils;
    var AWS_SHA_256 = 'AWS4-HMAC-SHA256';
    var AWS4_REQUEST = 'aws4_request';
    var encoder = new TextEncoder();

    function bytes(value) {
        return typeof value === 'string' ? encoder.encode(value) : value;
    }
    function hex(buffer) {
        var out = '';
        var view = new Uint8Array(buffer);
        for (var i = 0; i < view.length; i++) out += (view[i] < 16 ? '0' : '') + view[i].toString(16);
        return out;
    }
    function hash(value) {
        return crypto.subtle.digest('SHA-256', bytes(value === undefined ? '' : value)).then(hex);
    }
    function hmac(key, value) {
        return crypto.subtle.importKey('raw', bytes(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']).then(function (k) {
            return crypto.subtle.sign('HMAC', k, bytes(value));
        });
    }
    function amzDate(date) {
        return date.toISOString().replace(/[:\-]|\.\d{3}/g, '');
    }
    /** Each segment of the (already encoded) path encoded once more, as SigV4 wants for every service but S3. */
    function canonicalUri(path) {
        if (path === '') return '/';
        return path.split('/').map(utils.encode).join('/');
    }

    var sigV4Client = {};
    sigV4Client.accessKey = utils.assertDefined(config.accessKey, 'accessKey');
    sigV4Client.secretKey = utils.assertDefined(config.secretKey, 'secretKey');
    sigV4Client.sessionToken = config.sessionToken;
    sigV4Client.serviceName = config.serviceName || 'execute-api';
    sigV4Client.region = config.region || 'us-east-1';
    sigV4Client.endpoint = utils.assertDefined(config.endpoint, 'endpoint');

    sigV4Client.makeRequest = function (request) {
        var r = utils.prepare(request, config);
        var verb = r.verb, headers = r.headers, body = r.body, query = r.query;
        var endpointUrl = new URL(sigV4Client.endpoint);
        var datetime = amzDate(new Date());
        var date = datetime.slice(0, 8);
        var signed = { host: endpointUrl.host, 'x-amz-date': datetime };
        if (sigV4Client.sessionToken) signed['x-amz-security-token'] = sigV4Client.sessionToken;
        var names = Object.keys(signed).sort();
        var canonicalHeaders = names.map(function (n) { return n + ':' + String(signed[n]).trim() + '\n'; }).join('');
        var signedHeaders = names.join(';');
        var scope = date + '/' + sigV4Client.region + '/' + sigV4Client.serviceName + '/' + AWS4_REQUEST;
        var fullPath = endpointUrl.pathname.replace(/\/$/, '') + r.path;
        return hash(body).then(function (payloadHash) {
            var canonicalRequest = [verb, canonicalUri(fullPath), query, canonicalHeaders, signedHeaders, payloadHash].join('\n');
            return hash(canonicalRequest);
        }).then(function (requestHash) {
            var stringToSign = [AWS_SHA_256, datetime, scope, requestHash].join('\n');
            return hmac('AWS4' + sigV4Client.secretKey, date)
                .then(function (k) { return hmac(k, sigV4Client.region); })
                .then(function (k) { return hmac(k, sigV4Client.serviceName); })
                .then(function (k) { return hmac(k, AWS4_REQUEST); })
                .then(function (k) { return hmac(k, stringToSign); });
        }).then(function (signature) {
            headers['x-amz-date'] = datetime;
            if (sigV4Client.sessionToken) headers['x-amz-security-token'] = sigV4Client.sessionToken;
            headers['Authorization'] = AWS_SHA_256 + ' Credential=' + sigV4Client.accessKey + '/' + scope + ', SignedHeaders=' + signedHeaders + ', Signature=' + hex(signature);
            var url = endpointUrl.origin + fullPath + (query === '' ? '' : '?' + query);
            return utils.send(verb, url, headers, body, request);
        });
    };
    return sigV4Client;
};
`

/** `lib/apiGatewayCore/apiGatewayClient.js`: adds the API key and unmodelled parameters, then signs or not. */
export const API_GATEWAY_CLIENT_JS = NAMESPACE + String.raw`
apiGateway.core.apiGatewayClientFactory = {};
apiGateway.core.apiGatewayClientFactory.newClient = function (simpleHttpClientConfig, sigV4ClientConfig) {
    var utils = apiGateway.core.utils;
    var apiGatewayClient = {};
    var sigV4Client = null;
    var simpleHttpClient = apiGateway.core.simpleHttpClientFactory.newClient(simpleHttpClientConfig);

    apiGatewayClient.makeRequest = function (request, authType, additionalParams, apiKey) {
        var extra = additionalParams || {};
        var req = {
            verb: request.verb,
            path: request.path,
            headers: utils.mergeInto(request.headers, extra.headers),
            queryParams: utils.mergeInto(request.queryParams, extra.queryParams),
            body: request.body
        };
        if (apiKey !== undefined && apiKey !== '' && apiKey !== null) req.headers['x-api-key'] = apiKey;
        if (authType === 'AWS_IAM') {
            if (sigV4Client === null) sigV4Client = apiGateway.core.sigV4ClientFactory.newClient(sigV4ClientConfig);
            return sigV4Client.makeRequest(req);
        }
        return simpleHttpClient.makeRequest(req);
    };
    return apiGatewayClient;
};
`

/** The library files in the order a page loads them (README.md), by their path under `apiGateway-js-sdk/`. */
export const JS_LIBRARIES: ReadonlyArray<readonly [string, string]> = [
  ['lib/url-template/url-template.js', URL_TEMPLATE_JS],
  ['lib/apiGatewayCore/sigV4Client.js', SIGV4_CLIENT_JS],
  ['lib/apiGatewayCore/apiGatewayClient.js', API_GATEWAY_CLIENT_JS],
  ['lib/apiGatewayCore/simpleHttpClient.js', SIMPLE_HTTP_CLIENT_JS],
  ['lib/apiGatewayCore/utils.js', UTILS_JS],
]
