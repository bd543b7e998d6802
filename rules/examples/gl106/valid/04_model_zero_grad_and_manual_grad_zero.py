import torch


def train(netG, netD, loader):
    opt_d = torch.optim.Adam(netD.parameters())
    opt_g = torch.optim.Adam(netG.parameters())
    for z, real in loader:
        netD.zero_grad()
        (netD(real).mean() - netD(netG(z).detach()).mean()).backward()
        opt_d.step()
        for p in netG.parameters():
            if p.grad is not None:
                p.grad.zero_()
        (-netD(netG(z)).mean()).backward()
        opt_g.step()
