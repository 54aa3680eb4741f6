// Boost.JSON compiled into the fuzz target (instead of linking the g++-built
// library), so libFuzzer sees coverage inside the JSON parser.
#include <boost/json/src.hpp>
