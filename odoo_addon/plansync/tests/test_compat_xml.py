# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The XML adapter is a pure function: tested on snippets for every version."""
from lxml import etree

from odoo.tests.common import BaseCase

from ..compat import xml as adapter

VIEWS = b"""<odoo>
    <record id="v" model="ir.ui.view">
        <field name="arch" type="xml">
            <form>
                <field name="line_ids">
                    <list editable="bottom"
                          decoration-muted="not active">
                        <field name="name"/>
                    </list>
                </field>
                <xpath expr="//list/field[@name='list_price']" position="after"/>
            </form>
        </field>
    </record>
    <record id="a" model="ir.actions.act_window">
        <field name="view_mode">list,form</field>
        <field name="view_ids" eval="[Command.create({'view_mode': 'list', 'view_id': ref('v')})]"/>
    </record>
    <record id="c" model="ir.cron">
        <field name="name">c</field>
    </record>
</odoo>"""

GROUPS = b"""<odoo>
    <record id="module_category_x" model="ir.module.category">
        <field name="name">X app</field>
    </record>
    <record id="group_x_user" model="res.groups">
        <field name="name">User</field>
        <field name="category_id" ref="module_category_x"/>
    </record>
    <record id="group_x_manager" model="res.groups">
        <field name="category_id" ref="module_category_x"/>
        <field name="users" eval="[Command.link(ref('base.user_admin'))]"/>
    </record>
    <record id="u" model="res.users">
        <field name="groups_id" eval="[Command.link(ref('group_x_user'))]"/>
    </record>
</odoo>"""


def adapted(source, major):
    root = etree.fromstring(source)
    adapter.adapt(root, major)
    return root, etree.fromstring(adapter.serialize(root))


class TestCompatXml(BaseCase):
    def test_18_is_the_source_dialect(self):
        root = etree.fromstring(VIEWS)
        adapter.adapt(root, 18)
        self.assertEqual(etree.tostring(root), etree.tostring(etree.fromstring(VIEWS)))

    def test_17_lists_are_trees(self):
        root, reparsed = adapted(VIEWS, 17)
        self.assertFalse(root.xpath("//list"))
        self.assertEqual(len(root.xpath("//tree")), 1)
        self.assertEqual(root.xpath("//xpath/@expr"), ["//tree/field[@name='list_price']"])
        self.assertEqual(root.xpath("//field[@name='view_mode']/text()"), ["tree,form"])
        self.assertIn("'view_mode': 'tree'", root.xpath("//field[@name='view_ids']/@eval")[0])
        self.assertEqual(root.xpath("//record[@id='c']/field[@name='numbercall']/@eval"), ["-1"])
        # every element of the source keeps its line, the wrapped <list> tag included
        source = [e.sourceline for e in etree.fromstring(VIEWS).iter()]
        lines = [e.sourceline for e in reparsed.iter() if e.get("name") != "numbercall"]
        self.assertEqual(lines, source)

    def test_19_groups_get_a_privilege(self):
        root, reparsed = adapted(GROUPS, 19)
        privilege = root.xpath("//record[@model='res.groups.privilege']")
        self.assertEqual(len(privilege), 1, "one privilege per category")
        self.assertEqual(privilege[0].get("id"), "res_groups_privilege_x")
        self.assertEqual(privilege[0].xpath("field[@name='name']/text()"), ["X app"])
        self.assertEqual(privilege[0].xpath("field[@name='category_id']/@ref"), ["module_category_x"])
        self.assertFalse(root.xpath("//record[@model='res.groups']/field[@name='category_id']"))
        self.assertEqual(
            root.xpath("//record[@model='res.groups']/field[@name='privilege_id']/@ref"),
            ["res_groups_privilege_x"] * 2,
        )
        self.assertEqual(root.xpath("//record[@id='group_x_manager']/field/@name"), ["privilege_id", "user_ids"])
        self.assertEqual(root.xpath("//record[@id='u']/field/@name"), ["group_ids"])
        self.assertEqual(
            [e.sourceline for e in reparsed.iter("record") if e.get("model") != "res.groups.privilege"],
            [e.sourceline for e in etree.fromstring(GROUPS).iter("record")],
        )

    def test_xpath_steps_only(self):
        self.assertEqual(adapter.xpath_list_to_tree("//list"), "//tree")
        self.assertEqual(adapter.xpath_list_to_tree("/form/list/field"), "/form/tree/field")
        self.assertEqual(adapter.xpath_list_to_tree("//field[@name='list']"), "//field[@name='list']")
        self.assertEqual(adapter.xpath_list_to_tree("//field[@list]"), "//field[@list]")
        self.assertEqual(adapter.xpath_list_to_tree("//list_view"), "//list_view")
