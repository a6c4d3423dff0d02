// Reading a plugin's descriptor or function table as far as it goes.
//
// Every ABI struct starts with struct_size, the size of that struct in the
// header the plugin was built with. Tables only grow at the end, so a
// plugin built for an older minor version has a shorter one: a field that
// ends past struct_size is absent (and its bytes are not the plugin's), and
// is never read.
#pragma once

#include <cstddef>

namespace mlrun {

// Where `member` starts inside `object`, for any struct of the ABI.
template <class Struct, class Field> std::size_t field_offset(const Struct& object, Field Struct::*member)
{
    return static_cast<std::size_t>(reinterpret_cast<const char*>(&(object.*member)) -
                                    reinterpret_cast<const char*>(&object));
}

// Whether the plugin's `object` reaches to the end of `member`.
template <class Struct, class Field> bool has_field(const Struct& object, Field Struct::*member)
{
    return field_offset(object, member) + sizeof(Field) <= object.struct_size;
}

template <class T> struct not_deduced {
    using type = T;
};

// `member`'s value where the plugin's struct has it, else `absent` (by
// default zero: NULL for entries).
template <class Struct, class Field>
Field field_or(const Struct& object, Field Struct::*member, typename not_deduced<Field>::type absent = Field{})
{
    return has_field(object, member) ? object.*member : absent;
}

}  // namespace mlrun
