// CloudFront Function (viewer request, runtime cloudfront-js-2.0) of the
// edgekit images pattern. It runs before the cache lookup and rewrites the
// query string to its one meaningful form, so that the cache key (which
// holds only showExif) has exactly two values per image:
//
//   showExif = true, 1 or yes (any case)  ->  ?showExif=true
//   anything else, or no showExif         ->  no query string
//
// Every other parameter is dropped: they would otherwise reach the origin
// and, through the origin request policy's allow-list, could not split the
// cache anyway, but keeping the query string canonical here means
// ?showExif=TRUE, ?showExif=1&utm=x and ?ShowExif=yes all hit one cached
// object instead of three. The parameter name is matched exactly first,
// then case-insensitively in sorted order (the origin, functions/images,
// reads it the same way); a repeated parameter counts with its first value.
//
// CloudFront Functions limits: 10 KB of code, no network, no modules, a
// sub-millisecond compute budget. The code is plain ES5 with no built-ins
// beyond Object.keys, Array.prototype.sort and String.prototype.toLowerCase,
// so it runs unchanged on cloudfront-js-1.0 and 2.0.

var SHOW_EXIF = 'showExif';

function handler(event) {
    var request = event.request;
    request.querystring = wantsExif(request.querystring) ? { showExif: { value: 'true' } } : {};
    return request;
}

// wantsExif reports whether the query string asks for the EXIF document.
function wantsExif(qs) {
    if (qs === null || typeof qs !== 'object') {
        return false;
    }
    if (Object.prototype.hasOwnProperty.call(qs, SHOW_EXIF)) {
        return truthy(firstValue(qs[SHOW_EXIF]));
    }
    var names = Object.keys(qs).sort();
    for (var i = 0; i < names.length; i++) {
        if (names[i].toLowerCase() === 'showexif') {
            return truthy(firstValue(qs[names[i]]));
        }
    }
    return false;
}

// firstValue is the first of a parameter's values: CloudFront lists a
// repeated parameter in multiValue, in request order.
function firstValue(param) {
    if (param === null || typeof param !== 'object') {
        return undefined;
    }
    var mv = param.multiValue;
    if (mv && typeof mv === 'object' && mv.length > 0 && mv[0] !== null && typeof mv[0] === 'object') {
        return mv[0].value;
    }
    return param.value;
}

function truthy(v) {
    if (typeof v !== 'string') {
        return false;
    }
    var s = v.toLowerCase();
    return s === 'true' || s === '1' || s === 'yes';
}
