// The one parser of quantities with units (config/units.hpp).
#define BOOST_TEST_MODULE units
#include <boost/test/unit_test.hpp>

#include "mlrun/config/units.hpp"
#include "mlrun/core/error.hpp"

using namespace mlrun;

namespace {

std::string error_of(const std::string& text, const unit_rules& rules)
{
    try {
        parse_measure(text, "exp.yaml:4:9: fit.limit", rules);
    } catch (const config_error& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

BOOST_AUTO_TEST_CASE(steps_epochs_and_times)
{
    unit_rules all;
    all.time = true;
    const measure steps = parse_measure("500 steps", "w", all);
    BOOST_TEST((steps.unit == count_unit::steps && steps.count == 500));
    BOOST_TEST(parse_measure("3 batches", "w", all).count == 3);
    const measure epochs = parse_measure("1 epoch", "w", all);
    BOOST_TEST((epochs.unit == count_unit::epochs && epochs.count == 1));
    const measure half_hour = parse_measure("30 min", "w", all);
    BOOST_TEST((half_hour.unit == count_unit::seconds && half_hour.count == 1800));
    BOOST_TEST(parse_measure("2 h", "w", all).count == 7200);
    BOOST_TEST(parse_measure("45 s", "w", all).count == 45);
    BOOST_TEST(parse_measure(" 1   hour ", "w", all).count == 3600);
}

BOOST_AUTO_TEST_CASE(bare_numbers_and_units_a_key_does_not_take_show_the_accepted_forms)
{
    unit_rules counts;  // steps and epochs only
    BOOST_TEST(error_of("5", counts) == "exp.yaml:4:9: fit.limit: '5': the unit is missing; accepted forms: "
                                        "'500 steps', '2 epochs' (a step is one batch)");
    BOOST_TEST(error_of("30 min", counts) == "exp.yaml:4:9: fit.limit: '30 min': unknown unit 'min'; accepted forms: "
                                             "'500 steps', '2 epochs' (a step is one batch)");
    BOOST_TEST(error_of("3 fortnights", counts).find("unknown unit 'fortnights'") != std::string::npos);
    BOOST_TEST(error_of("1.5 epochs", counts).find("expected a whole number and a unit") != std::string::npos);
    BOOST_TEST(error_of("-2 steps", counts).find("expected a whole number and a unit") != std::string::npos);
    BOOST_TEST(error_of("", counts).find("expected a whole number and a unit") != std::string::npos);
    unit_rules at_least_one;
    at_least_one.minimum = 1;
    BOOST_TEST(error_of("0 steps", at_least_one).find("between 1 and 10^12") != std::string::npos);
    BOOST_TEST(error_of("9999999999999 steps", at_least_one).find("between 1 and 10^12") != std::string::npos);
    unit_rules time_only{false, false, true, 1, "'30 min', '2 h', '90 s'"};
    BOOST_TEST(error_of("5 epochs", time_only) ==
               "exp.yaml:4:9: fit.limit: '5 epochs': unknown unit 'epochs'; accepted forms: '30 min', '2 h', '90 s'");
}
