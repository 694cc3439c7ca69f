#!/usr/bin/perl
# Metric names used by PromQL expressions, one expression per input line,
# printed one per line (sorted, unique). Functions, aggregations, keywords,
# label names, strings, numbers, durations and Grafana variables are not names.
use strict;
use warnings;

my %keyword = map { $_ => 1 } qw(by without on ignoring group_left group_right bool
	and or unless offset atan2 inf nan Inf NaN);
my %names;
while (my $e = <STDIN>) {
	chomp $e;
	$e =~ s/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`//g;	# strings
	$e =~ s/\$\{[^}]*\}|\$\w+//g;				# Grafana variables
	# label_values(metric, label): the label is not a metric.
	$e =~ s/\blabel_values\s*\(\s*([^,()]*?)\s*,\s*\w+\s*\)/label_values($1)/g;
	$e =~ s/\{[^}]*\}//g;					# label matchers
	$e =~ s/\[[^\]]*\]//g;					# ranges, subqueries
	$e =~ s/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)//g;
	$e =~ s/(?<![\w:.])[0-9.][0-9a-zA-Z.+]*//g;		# numbers, durations
	while ($e =~ /([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g) {
		next if defined $2 || $keyword{$1};		# a function call
		$names{$1} = 1;
	}
}
print "$_\n" for sort keys %names;
